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
