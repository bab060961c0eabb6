import type { TapConfig } from "../config/config.js";
import type { Classification, TapState } from "../state/tap-state.js";

const DAY_MS = 86_400_000;
/** How often a resting test is listed all the same. */
export const REVISIT_EVERY_MS = 7 * DAY_MS;

/**
 * Whether a test rests this run (revisit_inactive_tests_days): no new session for that many
 * days, none seen unfinished (they may complete any day), and listed within the last week. A
 * reopened test is therefore seen within a week. One rule for the engine and the plan.
 */
export function restsThisRun(
  config: Pick<TapConfig, "revisitInactiveTestsDays">,
  state: TapState,
  testId: string,
  known: Classification,
  now: number,
): boolean {
  const days = config.revisitInactiveTestsDays;
  if (days === null || !known.activity_at || !known.listed_at || known.api !== "results_api") return false;
  if ((state.knownPartition(testId)?.pending.length ?? 0) > 0) return false;
  const idle = now - Date.parse(known.activity_at) >= days * DAY_MS;
  return idle && now - Date.parse(known.listed_at) < REVISIT_EVERY_MS;
}
