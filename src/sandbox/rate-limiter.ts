import type { Clock } from "./clock.js";

export type RateDecision =
  | { allowed: true; limit: number; remaining: number; resetSeconds: number }
  | { allowed: false; limit: number; remaining: 0; resetSeconds: number; retryAfterSeconds: number };

/**
 * The sandbox's view of the documented limit: at most `limit` accepted requests per caller in
 * any sliding window of `windowMs` (10 a minute in the vendor's documents). Rejected requests
 * do not use up the budget, so a client that waits for Retry-After gets in.
 */
export class SlidingWindowRateLimiter {
  private readonly accepted = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  take(key: string): RateDecision {
    const now = this.clock.now();
    let log = this.accepted.get(key);
    if (!log) {
      log = [];
      this.accepted.set(key, log);
    }
    // A request at t falls out of the window at t + windowMs exactly: requests spaced by
    // windowMs / limit (the reference script's 6 s for 10 a minute) never see a 429.
    let expired = 0;
    while (expired < log.length && (log[expired] as number) <= now - this.windowMs) expired++;
    if (expired > 0) log.splice(0, expired);
    const oldest = log[0];
    const resetSeconds =
      oldest === undefined ? 0 : Math.max(0, Math.ceil((oldest + this.windowMs - now) / 1000));
    if (log.length >= this.limit) {
      // Whole seconds: the vendor's script reads Retry-After with str.isdigit().
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        resetSeconds,
        retryAfterSeconds: Math.max(1, resetSeconds),
      };
    }
    log.push(now);
    const first = log[0] as number;
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - log.length,
      resetSeconds: Math.max(0, Math.ceil((first + this.windowMs - now) / 1000)),
    };
  }

  reset(): void {
    this.accepted.clear();
  }
}
