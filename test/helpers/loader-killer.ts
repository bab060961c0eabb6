import type { Loader } from "../../src/loaders/core/loader.js";

/**
 * Wraps loaders so that one dies on its n-th call of stage, merge or commit (`killAt`), as a
 * process killed mid-flush would: the calls are counted across every loader it wraps, runs of a
 * spec included, so each kill lands at a new point.
 */
export class LoaderKiller {
  calls = 0;

  constructor(public killAt: number) {}

  readonly wrap = (loader: Loader): Loader =>
    new Proxy(loader, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function" || !["stage", "merge", "commit"].includes(String(property)))
          return value;
        return async (...args: unknown[]) => {
          this.calls += 1;
          if (this.calls === this.killAt)
            throw new Error(`killed at loader call ${this.calls} (${String(property)})`);
          return value.apply(target, args);
        };
      },
    });
}

export interface KillPlan {
  seed: number;
  /** The first kill lands at call `at + (seed-derived) % spread`. */
  first: { at: number; spread: number };
  /** Each later kill lands `after + (seed-derived) % spread` calls past the one before. */
  next: { after: number; spread: number };
}

/**
 * Kills a sync three times at points drawn from the plan's seed (mid-stage, mid-merge or at
 * commit), resuming each time, then lets it finish. `run` does one sync through `wrap`. Returns
 * how many runs were killed (3 when every kill landed) and fails on any other error.
 */
export async function killThriceThenFinish(
  plan: KillPlan,
  run: (wrap: (loader: Loader) => Loader) => Promise<{ error?: unknown }>,
): Promise<number> {
  const killer = new LoaderKiller(plan.first.at + ((plan.seed * 7919) % plan.first.spread));
  let killed = 0;
  for (; killed < 5; killed++) {
    const { error } = await run(killer.wrap);
    if (!error) break;
    if (!/killed at loader call/.test(String(error))) throw error;
    killer.killAt =
      killed < 2
        ? killer.calls + plan.next.after + ((plan.seed * 31 + killed * 17) % plan.next.spread)
        : Number.POSITIVE_INFINITY;
  }
  return killed;
}
