import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { AirbyteWriter, HEARTBEAT_MS } from "../../src/airbyte/airbyte-writer.js";
import { RequestBudget } from "../../src/rate-limit/request-budget.js";
import type { AirbyteMessage } from "../helpers/airbyte.js";
import { VirtualTimers } from "../helpers/virtual-timers.js";

class Lines extends Writable {
  readonly messages: AirbyteMessage[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString().split("\n")) if (line) this.messages.push(JSON.parse(line));
    callback();
  }
}

const singer = (finish: string | null) => ({
  bookmarks: {
    tests: { t1: { api: "results_api", test_type: "survey", classified_by: "product_type" } },
    sessions: {
      partitions: [
        {
          context: { test_id: "t1" },
          replication_key: "finish_time",
          replication_key_value: finish,
          streams: ["sessions"],
          pending: [],
        },
      ],
    },
  },
});

function writer(timers: VirtualTimers) {
  const out = new Lines();
  const w = new AirbyteWriter(out, {
    streams: ["tests", "sessions"],
    cursors: new Map([["sessions", "finish_time"]]),
    timers,
  });
  return { out, w, states: () => out.messages.filter((m) => m.type === "STATE") };
}

describe("AirbyteWriter", () => {
  it("sends each stream's state when it changed or records came, never the same twice in a row, with the records since as recordCount", async () => {
    const timers = new VirtualTimers(Date.parse("2026-06-01T00:00:00Z"));
    const { w, states } = writer(timers);
    await w.state(singer(null));
    await w.state(singer(null));
    expect(states().map((m) => m.state.stream.stream_descriptor.name)).toEqual(["tests", "sessions"]);
    await w.record("sessions", { session_id: "s1", finish_time: "2026-05-01T00:00:00Z" }, "");
    await w.record("sessions", { session_id: "s2", finish_time: "2026-05-02T00:00:00Z" }, "");
    await w.state(singer("2026-05-02T00:00:00Z"));
    const last = states().at(-1)?.state;
    expect(last.stream).toEqual({
      stream_descriptor: { name: "sessions" },
      stream_state: { finish_time: { t1: "2026-05-02T00:00:00Z" } },
    });
    expect(last.sourceStats).toEqual({ recordCount: 2 });
    expect(states()).toHaveLength(3);
    // The classification cache rides on tests.
    expect(states()[0]?.state.stream.stream_state.classifications.t1.test_type).toBe("survey");
  });

  it("sends a STATE once 30 minutes pass without a RECORD or STATE, differing from the one before", async () => {
    const timers = new VirtualTimers(Date.parse("2026-06-01T00:00:00Z"));
    const { w, states } = writer(timers);
    await w.state(singer(null));
    await timers.run(timers.sleep(HEARTBEAT_MS - 1000));
    await w.beatIfDue();
    expect(states()).toHaveLength(2);
    await timers.run(timers.sleep(1000));
    await w.beatIfDue();
    expect(states()).toHaveLength(3);
    const [before, beat] = states()
      .slice(-2)
      .map((m) => JSON.stringify(m.state));
    expect(beat).not.toBe(before);
    expect(states().at(-1)?.state.stream.stream_state.heartbeat_at).toBe("2026-06-01T00:30:00.000Z");
    // And not again until another 30 minutes pass.
    await w.beatIfDue();
    expect(states()).toHaveLength(3);
  });

  it("says RATE_LIMITED with the quota reset at most once a minute a stream", async () => {
    const timers = new VirtualTimers(1_000_000);
    const { w, out } = writer(timers);
    await w.streamStatus("sessions", "RUNNING", 1_050_000);
    await w.streamStatus("sessions", "RUNNING", 1_055_000);
    await timers.run(timers.sleep(60_000));
    await w.streamStatus("sessions", "RUNNING", 1_110_000);
    const limited = out.messages.map((m) => m.trace.stream_status);
    expect(limited).toEqual([
      {
        stream_descriptor: { name: "sessions" },
        status: "RUNNING",
        reasons: [{ type: "RATE_LIMITED", rate_limited: { quota_reset: 1_050_000 } }],
      },
      {
        stream_descriptor: { name: "sessions" },
        status: "RUNNING",
        reasons: [{ type: "RATE_LIMITED", rate_limited: { quota_reset: 1_110_000 } }],
      },
    ]);
  });

  it("drops records at or before a stream's start_after, and those whose cursor is not known yet", async () => {
    const timers = new VirtualTimers(0);
    const out = new Lines();
    const w = new AirbyteWriter(out, {
      streams: ["sessions"],
      cursors: new Map([["sessions", "finish_time"]]),
      startAfter: new Map([["sessions", "2026-05-01T00:00:00Z"]]),
      timers,
    });
    for (const finish of ["2026-04-30T00:00:00Z", "2026-05-01T00:00:00Z", null, "2026-05-01T00:00:01Z"])
      await w.record("sessions", { finish_time: finish }, "");
    expect(out.messages.map((m) => m.record.data.finish_time)).toEqual(["2026-05-01T00:00:01Z"]);
  });
});

describe("RequestBudget's long waits", () => {
  it("tells when a request must wait 5 s or more, with when the wait ends", async () => {
    const timers = new VirtualTimers(0);
    const waits: number[] = [];
    const budget = new RequestBudget({
      requestsPerWindow: 2,
      maxConcurrency: 1,
      timers,
      onLongWait: (until) => waits.push(until),
    });
    const work = (async () => {
      for (let i = 0; i < 3; i++) (await budget.acquire())();
    })();
    await timers.run(work);
    // The third request waits for the window: until the first start leaves it (60 s + the 1% margin).
    expect(waits).toEqual([60_600]);
  });
});
