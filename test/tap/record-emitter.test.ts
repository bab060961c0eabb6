import { describe, expect, it } from "vitest";
import type { ApiSessionDetail, ApiSessionSummary } from "../../src/api/types.js";
import { ApiResponseError } from "../../src/errors.js";
import { memoryLogger } from "../../src/log/logger.js";
import { SingerWriter } from "../../src/protocol/singer.js";
import { defaultSelection } from "../../src/tap/catalog.js";
import { RecordEmitter } from "../../src/tap/record-emitter.js";
import { MessageSink } from "../helpers/tap.js";

const summary = {
  sessionId: "s1",
  testId: "t1",
  status: "completed",
  startTime: "2026-05-01T10:00:00Z",
  finishTime: "2026-05-01T10:20:00Z",
} as ApiSessionSummary;

function emitterWith(streams?: string[], excluded?: Map<string, Set<string>>) {
  const sink = new MessageSink();
  const { logger, lines } = memoryLogger();
  const selection = streams
    ? { streams: new Set(streams), excluded: excluded ?? new Map() }
    : defaultSelection();
  return { emitter: new RecordEmitter(new SingerWriter(sink), selection, logger), sink, lines };
}

describe("RecordEmitter", () => {
  it("stores an optional field of an unexpected type as null, and logs it once", async () => {
    const { emitter, sink, lines } = emitterWith(["demographics"]);
    const detail = {
      sessionId: "s1",
      sessionParticipant: {
        participantId: "p1",
        demographicsInfo: [
          { code: "AGE", label: 42, value: "25-34", type: "RANGE" },
          { code: "GENDER", label: 7, value: "x", type: "SINGLE_SELECT" },
        ],
      },
      taskGroups: [],
      tasks: [],
    } as unknown as ApiSessionDetail;
    await emitter.emit("session", { testId: "t1", summary, detail, extractedAt: "2026-05-02T00:00:00Z" });
    expect(sink.records("demographics").map((r) => r.label)).toEqual([null, null]);
    expect(lines.filter((l) => l.includes("'label' of demographics"))).toHaveLength(1);
    expect(lines[0]).toContain("GET /api/v3/sessionResults/{sessionId}");
  });

  it("refuses a record whose required field has the wrong type, naming the endpoint and field", async () => {
    const { emitter } = emitterWith(["tasks"]);
    const detail = {
      sessionId: "s1",
      sessionParticipant: null,
      taskGroups: [],
      tasks: [{ uuid: 17, text: "t", type: "X", response: null }],
    } as unknown as ApiSessionDetail;
    const error = await emitter
      .emit("session", { testId: "t1", summary, detail, extractedAt: "2026-05-02T00:00:00Z" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiResponseError);
    expect((error as Error).message).toBe(
      "GET /api/v3/sessionResults/{sessionId} answered with an unexpected shape: tasks.task_uuid must be string.",
    );
  });

  it("leaves out deselected properties from SCHEMA and RECORD alike, never keys", async () => {
    const excluded = new Map([["sessions", new Set(["audience_id", "test_plan_id"])]]);
    const { emitter, sink } = emitterWith(["sessions"], excluded);
    await emitter.writeSchemas();
    await emitter.emit("session", {
      testId: "t1",
      summary,
      detail: null,
      extractedAt: "2026-05-02T00:00:00Z",
    });
    const schema = sink.messages[0] as unknown as {
      schema: { properties: Record<string, unknown>; required: string[] };
    };
    expect(Object.keys(schema.schema.properties)).not.toContain("audience_id");
    expect(schema.schema.required).not.toContain("test_plan_id");
    expect(Object.keys(sink.records("sessions")[0] ?? {})).toEqual([
      "session_id",
      "test_id",
      "participant_id",
      "status",
      "start_time",
      "finish_time",
      "extracted_at",
    ]);
  });
});
