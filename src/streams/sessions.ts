import { defineStream } from "./stream.js";

/** Listing fields, and v3 identifiers once the session is completed and its details read. */
export const sessions = defineStream({
  name: "sessions",
  source: "session",
  keyProperties: ["session_id"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ testId, summary, detail, extractedAt }) => [
    {
      session_id: summary.sessionId,
      test_id: testId,
      participant_id: detail?.sessionParticipant?.participantId ?? null,
      audience_id: detail?.audienceId ?? summary.audienceId ?? null,
      test_plan_id: detail?.testPlanId ?? null,
      status: summary.status ?? null,
      start_time: summary.startTime ?? null,
      finish_time: summary.finishTime ?? null,
      extracted_at: extractedAt,
    },
  ],
});
