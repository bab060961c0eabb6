/**
 * Where the client reads the time and waits. Production uses the real clock; tests pass a
 * virtual one so that rate-limit and token-lifetime behaviour is checked without sleeping.
 */
export interface Timers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};
