import type { ApiStudy } from "../api/types.js";
import type { TapState } from "../state/tap-state.js";

const time = (iso: string | null | undefined): number => {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

/**
 * The order a run visits tests in, so that the freshest data comes first and no test starves:
 * the tests the last run did not reach (its time budget ran out) first, in its order; then the
 * rest by their latest known activity, newest first: the finish time of their newest session
 * out, or, for a test never synced, when it was ordered (a new test is fresh); tests known to
 * have no session yet come last. Ties keep the listing's order. A test that is visited moves to its place by activity
 * next time; one that is not reached is first next time, so every test is visited at least
 * every other run however short the budget.
 */
export function fairOrder<T extends { study: ApiStudy }>(tests: readonly T[], state: TapState): T[] {
  const unreached = new Map(state.unreached().map((id, i) => [id, i]));
  const activity = (t: T): number => {
    const id = t.study.uuid;
    const known = state.classification(id);
    return Math.max(
      time(state.knownPartition(id)?.replication_key_value),
      known ? Number.NEGATIVE_INFINITY : time(t.study.orderedAt),
    );
  };
  return tests
    .map((test, index) => ({ test, index, first: unreached.get(test.study.uuid), activity: activity(test) }))
    .sort((a, b) => {
      if (a.first !== undefined || b.first !== undefined)
        return (a.first ?? Number.POSITIVE_INFINITY) - (b.first ?? Number.POSITIVE_INFINITY);
      if (a.activity !== b.activity) return a.activity > b.activity ? -1 : 1;
      return a.index - b.index;
    })
    .map((t) => t.test);
}
