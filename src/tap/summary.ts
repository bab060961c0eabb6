import type { RequestStats } from "../http/request-stats.js";
import { formatDuration } from "./progress.js";
import type { SyncReport } from "./sync-engine.js";

const TYPES = ["survey", "interaction test", "think-out-loud test", "live conversation"] as const;

/**
 * The end-of-run report on stderr, after the verification step of the vendor's workflow
 * (classify-tests-by-type.txt, step 5): totals, counts by test type, classic and unclassified
 * tests with the reason, errors, records per stream and API calls.
 */
export function summaryLines(
  report: SyncReport,
  records: Map<string, number>,
  stats: RequestStats,
  options: { elapsedMs: number; requestsPerMinute: number },
): string[] {
  const results = report.tests.filter((t) => t.api === "results_api");
  const classic = report.tests.filter((t) => t.api === "classic");
  const unclassified = results.filter((t) => t.testType === null);
  const byReason = new Map<string, number>();
  for (const t of unclassified)
    byReason.set(
      t.unclassifiedReason ?? "unknown",
      (byReason.get(t.unclassifiedReason ?? "unknown") ?? 0) + 1,
    );
  const limitedCalls = stats.rateLimitedRequests();
  const lines = [
    `Sync ${report.errors.length === 0 ? "complete" : "finished with errors"} in ${formatDuration(options.elapsedMs)}.`,
    `Workspaces: ${report.workspaces}. Tests: ${report.tests.length + report.errors.length} (${results.length} Results API, ${classic.length} classic${report.errors.length ? `, ${report.errors.length} failed` : ""}).`,
    `  by type: ${TYPES.map((type) => `${type} ${results.filter((t) => t.testType === type).length}`).join(" · ")}`,
    `  classified from the listing ${results.filter((t) => t.classifiedBy === "product_type").length}, by probing ${results.filter((t) => t.classifiedBy === "probe").length}`,
  ];
  const resting = report.tests.filter((t) => t.skippedAsInactive).length;
  if (resting > 0)
    lines.push(
      `  not listed this run: ${resting} inactive test(s) (revisit_inactive_tests_days; each is listed once a week)`,
    );
  if (report.budget)
    lines.push(
      `Time budget (max_run_minutes ${Math.round(report.budget.limitMs / 60_000)}) reached: ${report.budget.left} test(s) left for the next run, which starts with them.`,
    );
  if (unclassified.length > 0) {
    lines.push(
      `  unclassified ${unclassified.length}: ${[...byReason].map(([reason, n]) => `${n} with ${reason}`).join(", ")} (checked again next run)`,
    );
  }
  lines.push(`Records: ${[...records].map(([stream, n]) => `${stream} ${n}`).join(", ") || "none"}.`);
  lines.push(...stats.summaryLines());
  const atRealRate = (limitedCalls / 10) * 60_000;
  lines.push(
    `Pace: ${limitedCalls} Results API requests at ${options.requestsPerMinute}/min; at the API's documented 10/min they take about ${formatDuration(atRealRate)}.`,
  );
  lines.push("Verification:");
  lines.push("  [PASS] every record was validated against its stream's schema before it was written");
  lines.push(
    report.errors.length === 0
      ? "  [PASS] no processing errors recorded"
      : `  [WARN] ${report.errors.length} test(s) failed and were skipped (partial success; their bookmarks did not move):`,
  );
  for (const error of report.errors) lines.push(`    ${error.testId}: ${error.message}`);
  lines.push(
    `  [INFO] classification coverage: classified=${results.length - unclassified.length}, unclassified=${unclassified.length}, results_api_total=${results.length}`,
  );
  return lines;
}
