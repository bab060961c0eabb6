import { defineStream } from "./stream.js";

export const tests = defineStream({
  name: "tests",
  source: "test",
  keyProperties: ["test_id"],
  replication: { method: "FULL_TABLE" },
  toRows: ({ study, workspace, api, testType, classifiedBy, sessionCount }) => [
    {
      test_id: study.uuid,
      workspace_id: workspace.uuid,
      workspace_name: workspace.name ?? null,
      title: study.title ?? null,
      ordered_at: study.orderedAt ?? null,
      ordered_by_name: study.orderedBy?.name ?? null,
      ordered_by_email: study.orderedBy?.email ?? null,
      type: study.type ?? null,
      product_type: study.productType ?? null,
      api,
      test_type: testType,
      classified_by: classifiedBy,
      session_count: sessionCount,
    },
  ],
});
