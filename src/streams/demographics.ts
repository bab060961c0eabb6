import { defineStream } from "./stream.js";

export const demographics = defineStream({
  name: "demographics",
  source: "session",
  keyProperties: ["session_id", "demographic_code"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ summary, detail }) => {
    const participant = detail?.sessionParticipant ?? null;
    return (participant?.demographicsInfo ?? []).map((d) => ({
      session_id: summary.sessionId,
      participant_id: participant?.participantId ?? null,
      demographic_code: d.code,
      label: d.label ?? null,
      value: d.value ?? null,
      type: d.type ?? null,
    }));
  },
});
