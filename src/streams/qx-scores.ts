import { defineStream } from "./stream.js";

export const qxScores = defineStream({
  name: "qx_scores",
  source: "qxScores",
  keyProperties: ["test_id"],
  replication: { method: "FULL_TABLE" },
  toRows: ({ testId, body, extractedAt }) => [
    { test_id: testId, qx_scores: body, extracted_at: extractedAt },
  ],
});
