import { parseRateLimitReset } from "../http/retry-after.js";
import { realTimers, type Timers } from "../util/timers.js";

export interface RequestBudgetOptions {
  /** Requests allowed in any window (the API's 10 a minute). */
  requestsPerWindow: number;
  /** @default 60000 */
  windowMs?: number;
  /** Requests in flight at once. @default 3 */
  maxConcurrency?: number;
  /**
   * Added to the window, because the server counts arrivals and ours are sends: a request
   * delayed on the way could otherwise land inside the server's window. @default 1% of the window, at most 1 s
   */
  safetyMarginMs?: number;
  timers?: Timers;
  /** Told when the server's x-ratelimit-limit is lower than ours and we adopt it. */
  onLimitLowered?: (limit: number) => void;
  /** Told when a caller must wait LONG_WAIT_MS or more, with when the wait ends (ms since the epoch). */
  onLongWait?: (until: number) => void;
}

/** A wait this long is worth telling the platform about (Airbyte's RATE_LIMITED status). */
export const LONG_WAIT_MS = 5_000;

export type Release = () => void;

/**
 * The one request budget every Results API call acquires before it is sent (after the Airbyte
 * CDK's call_rate.py). Proactive: it never lets more than `requestsPerWindow` starts into any
 * sliding window, and it never idles while work waits and the window has room. It honours
 * pauses from Retry-After and x-ratelimit-* headers, which stop every caller, not just the
 * one that got the 429. Callers are served in arrival order.
 */
export class RequestBudget {
  private limit: number;
  private readonly windowMs: number;
  private readonly maxConcurrency: number;
  private readonly marginMs: number;
  private readonly timers: Timers;
  /** Start times of granted requests still inside the window, oldest first. */
  private readonly starts: number[] = [];
  private pausedUntil = 0;
  /** When the server's window resets, from the last readable x-ratelimit-reset. */
  private serverResetAt: number | null = null;
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private turn: Promise<void> = Promise.resolve();
  /** Total time callers spent waiting for the budget. */
  waitedMs = 0;
  granted = 0;

  constructor(private readonly options: RequestBudgetOptions) {
    this.limit = options.requestsPerWindow;
    this.windowMs = options.windowMs ?? 60_000;
    this.maxConcurrency = options.maxConcurrency ?? 3;
    this.marginMs = options.safetyMarginMs ?? Math.min(1000, this.windowMs * 0.01);
    this.timers = options.timers ?? realTimers;
  }

  /** Waits for a slot and a place in the window; call the returned function when the response is in. */
  acquire(): Promise<Release> {
    const mine = this.turn.then(() => this.waitForSlot());
    this.turn = mine.catch(() => undefined);
    return mine.then(() => this.releaser());
  }

  /** Stops every caller until `until` (ms since the epoch), e.g. from a 429's Retry-After. */
  pauseUntil(until: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  pauseFor(ms: number): void {
    this.pauseUntil(this.timers.now() + ms);
  }

  /** Reads x-ratelimit-limit / -remaining / -reset from a response. */
  observe(headers: Record<string, string | string[] | undefined>): void {
    const limitHeader = Number(headers["x-ratelimit-limit"]);
    // Only when the server's window is ours (a minute): then a lower limit is the one to keep.
    if (
      Number.isInteger(limitHeader) &&
      limitHeader > 0 &&
      limitHeader < this.limit &&
      this.windowMs === 60_000
    ) {
      this.limit = limitHeader;
      this.options.onLimitLowered?.(limitHeader);
    }
    const resetMs = parseRateLimitReset(headers["x-ratelimit-reset"], this.timers.now());
    if (resetMs !== null) this.serverResetAt = this.timers.now() + resetMs;
    const remaining = headers["x-ratelimit-remaining"];
    if (remaining !== undefined && Number(remaining) === 0 && resetMs !== null) this.pauseFor(resetMs);
  }

  /** Milliseconds until the server's window resets, as its last x-ratelimit-reset said; null if unknown or past. */
  serverResetIn(): number | null {
    if (this.serverResetAt === null) return null;
    const left = this.serverResetAt - this.timers.now();
    return left > 0 ? left : null;
  }

  get currentLimit(): number {
    return this.limit;
  }

  get active(): number {
    return this.inFlight;
  }

  private async waitForSlot(): Promise<void> {
    const began = this.timers.now();
    while (this.inFlight >= this.maxConcurrency) {
      await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    }
    for (;;) {
      const now = this.timers.now();
      const horizon = now - this.windowMs - this.marginMs;
      while (this.starts.length > 0 && (this.starts[0] as number) <= horizon) this.starts.shift();
      const windowWait =
        this.starts.length >= this.limit
          ? (this.starts[this.starts.length - this.limit] as number) - horizon
          : 0;
      const wait = Math.max(windowWait, this.pausedUntil - now);
      if (wait >= LONG_WAIT_MS) this.options.onLongWait?.(now + wait);
      if (wait <= 0) {
        this.starts.push(now);
        this.inFlight += 1;
        this.granted += 1;
        this.waitedMs += now - began;
        return;
      }
      await this.timers.sleep(wait);
    }
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= 1;
      this.slotWaiters.shift()?.();
    };
  }
}
