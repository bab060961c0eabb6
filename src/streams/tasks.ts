import { defineStream } from "./stream.js";

export const tasks = defineStream({
  name: "tasks",
  source: "session",
  keyProperties: ["session_id", "task_uuid"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ summary, detail }) =>
    (detail?.tasks ?? []).map((t, position) => ({
      session_id: summary.sessionId,
      finish_time: summary.finishTime,
      participant_id: detail?.sessionParticipant?.participantId ?? null,
      task_uuid: t.uuid,
      position,
      task_text: t.text ?? null,
      task_type: t.type ?? null,
      start_time_ms: t.response?.startTimeMs ?? null,
      end_time_ms: t.response?.endTimeMs ?? null,
      skipped: t.response?.skipped ?? null,
      answer_json: t.response?.answer ?? null,
    })),
});
