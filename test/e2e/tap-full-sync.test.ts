import { describe, expect, it } from "vitest";
import type { SchemaMessage } from "../../src/protocol/singer.js";
import { parseWebVtt } from "../../src/transcripts/parse-webvtt.js";
import { createAjv } from "../../src/util/json-schema.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

describe("a full sync of the sandbox", async () => {
  const sandbox = await useSandbox({ reelGenerationMs: 0 });
  // One run serves every assertion below; each `it` reads its results.
  const run = runTapOn(sandbox);

  it("ends well and writes only Singer messages, with STATE last", async () => {
    const { sink, result, error } = await run;
    expect(error).toBeUndefined();
    expect(result?.exitCode).toBe(0);
    expect(sink.messages.at(-1)?.type).toBe("STATE");
    expect(new Set(sink.messages.map((m) => m.type))).toEqual(new Set(["SCHEMA", "RECORD", "STATE"]));
  });

  it("emits records that validate against the SCHEMA messages it sent", async () => {
    const { sink } = await run;
    const ajv = createAjv();
    const validators = new Map(
      sink.messages
        .filter((m): m is SchemaMessage => m.type === "SCHEMA")
        .map((m) => [m.stream, ajv.compile(m.schema)]),
    );
    expect([...validators.keys()]).toEqual([
      "workspaces",
      "tests",
      "sessions",
      "demographics",
      "task_groups",
      "tasks",
      "transcripts",
      "qx_scores",
    ]);
    let checked = 0;
    for (const message of sink.messages) {
      if (message.type !== "RECORD") continue;
      const validate = validators.get(message.stream);
      expect(validate, `SCHEMA before RECORD of ${message.stream}`).toBeDefined();
      expect(validate?.(message.record), JSON.stringify(validate?.errors)).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it("flags classic tests and classifies every Results API test as the truth says", async () => {
    const { sink } = await run;
    const tests = new Map(sink.records("tests").map((r) => [r.test_id as string, r]));
    expect(tests.size).toBe(sandbox.data.tests().length);
    for (const truth of sandbox.data.tests()) {
      const record = tests.get(truth.testId);
      expect(record?.api).toBe(truth.api);
      if (truth.api === "classic") {
        expect(record).toMatchObject({ test_type: null, classified_by: null, session_count: null });
      } else if (truth.listedWithType) {
        expect(record).toMatchObject({
          test_type: truth.testType,
          classified_by: "product_type",
          product_type: truth.productType,
        });
      } else {
        expect(record).toMatchObject({
          test_type: truth.probeTestType,
          classified_by: truth.probeTestType ? "probe" : null,
        });
      }
      if (truth.api === "results_api")
        expect(record?.session_count).toBe(sandbox.data.sessions(truth.testId)?.length);
    }
    // The vendor's script is fooled by unfinished newest sessions; the tap is not.
    const fooled = sandbox.data
      .tests()
      .filter(
        (t) =>
          !t.listedWithType &&
          t.probeTestType &&
          sandbox.data.vendorScriptTestType(t.testId) !== t.probeTestType,
      );
    for (const t of fooled) expect(tests.get(t.testId)?.test_type).toBe(t.probeTestType);
  });

  it("emits every session, with v3 details for every completed one", async () => {
    const { sink } = await run;
    const sessions = new Map(sink.records("sessions").map((r) => [r.session_id as string, r]));
    const truth = sandbox.data.allSessions();
    expect(sessions.size).toBe(truth.length);
    for (const s of truth) {
      const record = sessions.get(s.sessionId);
      expect(record).toMatchObject({
        test_id: s.testId,
        status: s.status,
        start_time: s.startTime,
        finish_time: s.finishTime,
      });
      if (s.status === "completed") {
        const detail = sandbox.data.sessionDetail(s.sessionId);
        expect(record?.participant_id).toBe(detail?.sessionParticipant?.participantId ?? null);
        expect(record?.test_plan_id).toBe(detail?.testPlanId ?? null);
      }
    }
  });

  it("flattens demographics, task groups and tasks with session and participant ids", async () => {
    const { sink } = await run;
    const completed = sandbox.data.allSessions().filter((s) => s.status === "completed");
    const details = completed.map((s) => sandbox.data.sessionDetail(s.sessionId));
    expect(sink.records("demographics")).toHaveLength(
      details.reduce((n, d) => n + (d?.sessionParticipant?.demographicsInfo.length ?? 0), 0),
    );
    expect(sink.records("task_groups")).toHaveLength(
      details.reduce((n, d) => n + (d?.taskGroups.length ?? 0), 0),
    );
    expect(sink.records("tasks")).toHaveLength(details.reduce((n, d) => n + (d?.tasks.length ?? 0), 0));
    const session = completed.find((s) => (sandbox.data.sessionDetail(s.sessionId)?.tasks.length ?? 0) > 2);
    const detail = sandbox.data.sessionDetail(session?.sessionId ?? "");
    const tasks = sink.records("tasks").filter((t) => t.session_id === session?.sessionId);
    expect(tasks.map((t) => t.task_uuid)).toEqual(detail?.tasks.map((t) => t.uuid));
    expect(tasks.map((t) => t.position)).toEqual(detail?.tasks.map((_, i) => i));
    expect(tasks[0]?.answer_json).toEqual(detail?.tasks[0]?.response?.answer ?? null);
    expect(tasks.every((t) => t.participant_id === (detail?.sessionParticipant?.participantId ?? null))).toBe(
      true,
    );
  });

  it("keeps every transcript cue in order, with speakers, and the raw WebVTT as served", async () => {
    const { sink } = await run;
    const withTranscript = sandbox.data.allSessions().filter((s) => sandbox.data.transcript(s.sessionId));
    const records = new Map(sink.records("transcripts").map((r) => [r.session_id as string, r]));
    expect(records.size).toBe(withTranscript.length);
    for (const s of withTranscript) {
      const truth = sandbox.data.transcript(s.sessionId);
      const record = records.get(s.sessionId);
      expect(record?.transcript_vtt).toBe(truth?.vtt);
      expect(record?.cues).toEqual(
        truth?.cues.map((c) => ({ start_ms: c.startMs, end_ms: c.endMs, speaker: c.speaker, text: c.text })),
      );
    }
    expect(parseWebVtt(String(records.values().next().value?.transcript_vtt)).errors).toEqual([]);
  });

  it("keeps QX scores whole for every test that has them", async () => {
    const { sink } = await run;
    const withQx = sandbox.data.tests().filter((t) => sandbox.data.qxScores(t.testId));
    expect(new Map(sink.records("qx_scores").map((r) => [r.test_id, r.qx_scores]))).toEqual(
      new Map(withQx.map((t) => [t.testId, sandbox.data.qxScores(t.testId)])),
    );
  });

  it("prints a summary with counts by type, unclassified tests and why, and API calls", async () => {
    const { logs } = await run;
    const text = logs.join("\n");
    expect(text).toMatch(/Tests: 79 \(64 Results API, 15 classic\)/);
    expect(text).toMatch(/unclassified \d+: .*with no sessions yet/);
    expect(text).toMatch(/API requests: \d+ \(0 rate-limited, 0 retries/);
    expect(text).toMatch(/at the API's documented 10\/min they take about \dh \d\dm/);
    expect(text).toContain("[PASS] no processing errors recorded");
  });
});
