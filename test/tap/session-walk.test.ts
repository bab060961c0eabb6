import { describe, expect, it } from "vitest";
import { readSessionStatus } from "../../src/api/session-status.js";
import type { ApiSessionSummary } from "../../src/api/types.js";
import { LISTING_LOOKBACK_MS, SessionWalk } from "../../src/state/session-walk.js";
import { TapState } from "../../src/state/tap-state.js";

const session = (id: string, status: string, start: string, finish: string | null): ApiSessionSummary => ({
  sessionId: id,
  testId: "t",
  ...readSessionStatus(status, finish),
  startTime: start,
  finishTime: finish,
});
const STREAMS = ["sessions"];

describe("SessionWalk", () => {
  it("takes every completed session on a first walk, keeps unfinished ones pending, then moves the bookmark", () => {
    const partition = TapState.empty().partition("t");
    const walk = new SessionWalk(partition, null, STREAMS);
    const listing = [
      session("c", "in_progress", "2026-05-03T10:00:00Z", null),
      session("b", "completed", "2026-05-02T10:00:00Z", "2026-05-02T10:30:00Z"),
      session("a", "completed", "2026-05-01T10:00:00Z", "2026-05-01T10:20:00Z"),
      session("z", "abandoned", "2026-04-30T10:00:00Z", null),
    ];
    expect(listing.map((s) => walk.decide(s))).toEqual([
      "unfinished",
      "new-completed",
      "new-completed",
      "unfinished",
    ]);
    for (const s of listing) walk.markEmitted(s);
    expect(partition.progress_markers).toEqual({
      replication_key_value: "2026-05-02T10:30:00Z",
      emitted: ["b", "a"],
    });
    expect(partition.replication_key_value).toBeNull();
    walk.complete();
    expect(partition).toMatchObject({
      replication_key_value: "2026-05-02T10:30:00Z",
      pending: ["c"],
      streams: ["sessions"],
    });
    expect(partition.progress_markers).toBeUndefined();
  });

  it("on the next walk, takes only what finished after the bookmark, and pending sessions that completed", () => {
    const partition = TapState.empty().partition("t");
    Object.assign(partition, {
      replication_key_value: "2026-05-02T10:30:00Z",
      pending: ["c"],
      streams: ["sessions"],
    });
    const walk = new SessionWalk(partition, null, STREAMS);
    expect(walk.decide(session("d", "completed", "2026-05-04T10:00:00Z", "2026-05-04T10:10:00Z"))).toBe(
      "new-completed",
    );
    expect(walk.decide(session("c", "completed", "2026-05-03T10:00:00Z", "2026-05-02T10:00:00Z"))).toBe(
      "new-completed",
    );
    expect(walk.decide(session("b", "completed", "2026-05-02T10:00:00Z", "2026-05-02T10:30:00Z"))).toBe(
      "skip",
    );
  });

  it("resumes an interrupted walk without re-taking what was emitted, and without moving the bookmark early", () => {
    const state = TapState.empty();
    const first = new SessionWalk(state.partition("t"), null, STREAMS);
    const newer = session("n", "completed", "2026-05-05T10:00:00Z", "2026-05-05T10:10:00Z");
    first.decide(newer);
    first.markEmitted(newer);
    // Killed here: the state keeps the progress markers, and the bookmark has not moved.
    const resumed = TapState.parse(JSON.parse(JSON.stringify(state.toJSON())), "test");
    expect(resumed.partition("t").replication_key_value).toBeNull();
    const second = new SessionWalk(resumed.partition("t"), null, STREAMS);
    expect(second.decide(newer)).toBe("skip");
    expect(second.decide(session("o", "completed", "2026-05-01T10:00:00Z", "2026-05-01T10:10:00Z"))).toBe(
      "new-completed",
    );
  });

  it("starts from start_date, and from there again for a stream the bookmark does not cover", () => {
    const partition = TapState.empty().partition("t");
    Object.assign(partition, { replication_key_value: "2026-05-02T00:00:00Z", streams: ["sessions"] });
    const old = session("o", "completed", "2026-04-10T10:00:00Z", "2026-04-10T10:10:00Z");
    const older = session("x", "completed", "2026-03-10T10:00:00Z", "2026-03-10T10:10:00Z");
    const walk = new SessionWalk(partition, "2026-04-01T00:00:00Z", ["sessions", "transcripts"]);
    expect(walk.decide(old)).toBe("new-completed");
    expect(walk.decide(older)).toBe("skip");
    expect(partition.streams).toEqual(["sessions", "transcripts"]);
  });

  it("stops early only below the bookmark minus the lookback, and once every pending session was seen", () => {
    const partition = TapState.empty().partition("t");
    Object.assign(partition, {
      replication_key_value: "2026-05-10T00:00:00Z",
      pending: ["p"],
      streams: ["sessions"],
    });
    const walk = new SessionWalk(partition, null, STREAMS);
    const lookbackEdge = new Date(Date.parse("2026-05-10T00:00:00Z") - LISTING_LOOKBACK_MS).toISOString();
    expect(walk.canStopAfter("2026-05-01T00:00:00Z")).toBe(false);
    walk.decide(session("p", "in_progress", "2026-05-09T00:00:00Z", null));
    expect(walk.canStopAfter(lookbackEdge)).toBe(false);
    expect(walk.canStopAfter("2026-05-01T00:00:00Z")).toBe(true);
    expect(
      new SessionWalk(TapState.empty().partition("u"), null, STREAMS).canStopAfter("2020-01-01T00:00:00Z"),
    ).toBe(false);
  });
});
