import { ENDPOINTS } from "../api/endpoints.js";
import { readQxTaskGroups } from "../api/read-bodies.js";
import { defineStream } from "./stream.js";

/** One row per QX task group of a test (OpenAPI QxScoreItemDto), so scores chart without JSON functions. */
export const qxTaskGroupScores = defineStream({
  name: "qx_task_group_scores",
  source: "qxScores",
  keyProperties: ["test_id", "task_group_id"],
  replication: { method: "FULL_TABLE" },
  toRows: ({ testId, body, extractedAt }) => {
    const read = readQxTaskGroups(body, ENDPOINTS.qxScores);
    return (read?.items ?? []).map((q) => ({
      test_id: testId,
      task_group_id: q.taskGroupId,
      label: q.label,
      qx_score: q.qxScore,
      behavioral: q.behavioral,
      attitudinal: q.attitudinal,
      usability: q.usability,
      trust: q.trust,
      appearance: q.appearance,
      loyalty: q.loyalty,
      behavioral_task_scores: q.behavioralTaskScores,
      completes: read?.completes ?? null,
      extracted_at: extractedAt,
    }));
  },
});
