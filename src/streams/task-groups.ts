import { defineStream } from "./stream.js";

export const taskGroups = defineStream({
  name: "task_groups",
  source: "session",
  keyProperties: ["session_id", "task_group_uuid"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ summary, detail }) =>
    (detail?.taskGroups ?? []).map((g) => ({
      session_id: summary.sessionId,
      finish_time: summary.finishTime,
      participant_id: detail?.sessionParticipant?.participantId ?? null,
      task_group_uuid: g.uuid,
      task_group_type: g.type ?? null,
      task_group_response: g.response ?? null,
    })),
});
