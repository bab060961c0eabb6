import { Random } from "./random.js";

/** What can go wrong with one request. */
export type Fault =
  | { kind: "status"; status: 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  /** The connection closes before any byte of the response. */
  | { kind: "drop" }
  /** Headers and part of the body arrive, then the connection closes. */
  | { kind: "truncate" }
  /** The response is delayed (then served normally). */
  | { kind: "slow"; delayMs: number };

/** A fault for the next request whose route name or path matches (any request when omitted). */
export type ScriptedFault = Fault & { match?: string | RegExp };

/** Random faults by share of requests; shares add up to at most 1. */
export interface FaultOptions {
  /** Share of requests answered 500, 502 or 503. @default 0 */
  errorRate?: number;
  /** Share of requests whose connection is dropped (before or during the response). @default 0 */
  dropRate?: number;
  /** Share of requests delayed by `slowMs`. @default 0 */
  slowRate?: number;
  /** @default 1500 */
  slowMs?: number;
}

/**
 * Decides which requests fail. Scripted faults (for tests that need one exact failure) come
 * first; random faults are drawn from the seed, so a run with the same flags fails the same way.
 */
export class FaultInjector {
  private readonly queue: ScriptedFault[] = [];
  private readonly rng: Random;
  private options: Required<FaultOptions>;

  constructor(options: FaultOptions = {}, seed = "faults") {
    this.rng = new Random(seed, "faults");
    this.options = { errorRate: 0, dropRate: 0, slowRate: 0, slowMs: 1500, ...options };
    const total = this.options.errorRate + this.options.dropRate + this.options.slowRate;
    if (total > 1) throw new RangeError(`fault rates add up to ${total}; they must add up to at most 1`);
  }

  /** Queues faults for the next matching requests, in order. */
  enqueue(...faults: ScriptedFault[]): void {
    this.queue.push(...faults);
  }

  /** Changes the random shares (tests turn faults on and off mid-run). */
  configure(options: FaultOptions): void {
    this.options = { ...this.options, ...options };
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The fault for this request, or null. Random faults apply only where `randomAllowed`. */
  next(routeName: string, path: string, randomAllowed: boolean): Fault | null {
    const index = this.queue.findIndex((f) => matches(f.match, routeName, path));
    if (index >= 0) {
      const [scripted] = this.queue.splice(index, 1);
      if (scripted) {
        const { match: _match, ...fault } = scripted;
        return fault as Fault;
      }
    }
    if (!randomAllowed) return null;
    const { errorRate, dropRate, slowRate, slowMs } = this.options;
    if (errorRate + dropRate + slowRate === 0) return null;
    const roll = this.rng.next();
    if (roll < dropRate) return this.rng.chance(0.5) ? { kind: "drop" } : { kind: "truncate" };
    if (roll < dropRate + errorRate)
      return { kind: "status", status: this.rng.pick([500, 502, 503] as const) };
    if (roll < dropRate + errorRate + slowRate) return { kind: "slow", delayMs: slowMs };
    return null;
  }
}

function matches(match: string | RegExp | undefined, routeName: string, path: string): boolean {
  if (match === undefined) return true;
  if (typeof match === "string") return routeName === match || path === match || path.startsWith(match);
  return match.test(routeName) || match.test(path);
}
