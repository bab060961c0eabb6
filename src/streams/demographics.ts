import { defineStream } from "./stream.js";

/**
 * Keyed on the position in `demographicsInfo`: the OpenAPI makes every field nullable, `code`
 * and `id` included, and the guides' reading has no `id`, so neither can be part of a key.
 */
export const demographics = defineStream({
  name: "demographics",
  source: "session",
  keyProperties: ["session_id", "position"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ summary, detail }) => {
    const participant = detail?.sessionParticipant ?? null;
    return (participant?.demographicsInfo ?? []).map((d, position) => ({
      session_id: summary.sessionId,
      finish_time: summary.finishTime,
      participant_id: participant?.participantId ?? null,
      position,
      demographic_id: d.id ?? null,
      demographic_code: d.code ?? null,
      label: d.label ?? null,
      value: d.value ?? null,
      type: d.type ?? null,
    }));
  },
});
