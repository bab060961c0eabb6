import { ENDPOINTS } from "../api/endpoints.js";
import type { RequestEvent, RequestStats } from "../http/request-stats.js";
import type { Logger } from "../log/logger.js";
import { realTimers, type Timers } from "../util/timers.js";

const duration = (ms: number): string => {
  if (!Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
};

export { duration as formatDuration };

const LIMITED = new Set<string>(
  Object.values(ENDPOINTS)
    .filter((e) => e.rateLimited)
    .map((e) => e.name),
);
/** Calls made once per session (details, transcript, video, clips); the others are per test. */
const PER_SESSION = new Set<string>(
  Object.values(ENDPOINTS)
    .filter((e) => e.rateLimited && e.template.includes("{sessionId}"))
    .map((e) => e.name),
);

/** Schedules `tick` every `ms` until the returned function is called. */
export type Every = (ms: number, tick: () => void) => () => void;

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const realEvery: Every = (ms, tick) => {
  const handle = setInterval(tick, ms);
  // A progress line must never keep the process alive.
  handle.unref();
  return () => clearInterval(handle);
};

export interface ProgressOptions {
  stats: RequestStats;
  /** The configured budget: the fastest the Results API calls can go in any 60-second window. */
  requestsPerMinute: number;
  /** A terminal: the live line is rewritten on it. @default process.stderr when it is a terminal */
  terminal?: NodeJS.WriteStream | null;
  /** Without a terminal, a progress line is logged (info) every `logEveryMs`. null: none. */
  logger?: Logger | null;
  /** @default 60000 */
  logEveryMs?: number;
  timers?: Timers;
  /** @default setInterval, unref'd */
  every?: Every;
}

/**
 * The window the request rate is measured over (since the start, in the first ten minutes).
 * Ten budget windows: the budget lets a minute's requests through in a burst, so a one-minute
 * window would swing between none and all of them.
 */
const RATE_WINDOW_MS = 600_000;
/** Shortest time a rate is measured over, so the first request does not read as thousands a minute. */
const MIN_RATE_SPAN_MS = 1000;

/**
 * Progress of a sync on stderr: tests done, sessions done, Results API calls, their rate and
 * an ETA. On a terminal it is one live line, rewritten as work completes; elsewhere (cron, a
 * CI log) it is a log line every minute, so a long sync shows life.
 *
 * The rate is that of the Results API requests answered in the last ten minutes (since the
 * start, before that), never above `requests_per_minute`: the budget lets no 60-second window
 * hold more, so a higher figure is only the opening burst. The ETA is the calls still to make
 * (`remainingCalls`) divided by that rate.
 */
export class ProgressReporter {
  private testsTotal = 0;
  private testsDone = 0;
  private sessionsDone = 0;
  /** Sessions the test under way has listed (null: not reported) and done. Tests are walked one at a time. */
  private current: { listed: number | null; done: number } = { listed: null, done: 0 };
  /** Sessions each finished test synced, in order. */
  private readonly sessionsPerTest: number[] = [];
  private perSessionCalls = 0;
  private perTestCalls = 0;
  /** Completion times of answered Results API requests, oldest first; those before `head` have left the window. */
  private answered: number[] = [];
  private head = 0;
  private lastRender = Number.NEGATIVE_INFINITY;
  private shown = false;
  private readonly timers: Timers;
  private readonly started: number;
  private readonly terminal: NodeJS.WriteStream | null;
  private readonly logger: Logger | null;
  private readonly stopTicking: () => void;

  constructor(private readonly options: ProgressOptions) {
    this.timers = options.timers ?? realTimers;
    this.started = this.timers.now();
    this.terminal =
      options.terminal !== undefined ? options.terminal : process.stderr.isTTY ? process.stderr : null;
    this.logger = this.terminal ? null : (options.logger ?? null);
    options.stats.onRequest((event) => this.onRequest(event));
    this.stopTicking = this.logger
      ? (options.every ?? realEvery)(options.logEveryMs ?? 60_000, () =>
          this.logger?.info(`progress: ${this.line()}`),
        )
      : () => {};
  }

  setTests(total: number): void {
    this.testsTotal = total;
    this.render();
  }

  /**
   * A test's session listing says how many sessions it may fetch (its total less those a
   * previous run synced). Optional: without it the ETA assumes the sessions per test so far.
   */
  sessionsListed(count: number): void {
    this.current.listed = Math.max(0, count);
  }

  testDone(): void {
    this.testsDone += 1;
    this.sessionsPerTest.push(this.current.done);
    this.current = { listed: null, done: 0 };
    this.render();
  }

  sessionDone(): void {
    this.sessionsDone += 1;
    this.current.done += 1;
    this.render();
  }

  /** Answered Results API requests a minute, or null before the first answer. */
  ratePerMinute(): number | null {
    const now = this.timers.now();
    this.forget(now);
    const inWindow = this.answered.length - this.head;
    if (inWindow === 0) return null;
    const span = Math.max(MIN_RATE_SPAN_MS, Math.min(now - this.started, RATE_WINDOW_MS));
    return Math.min((inWindow / span) * 60_000, this.options.requestsPerMinute);
  }

  /**
   * Results API calls still to make, as far as the work reported so far tells: the sessions
   * left in the test under way (from its listing, else as many as a typical test), a typical
   * test's sessions for each test not started, each at the calls a session and a test have
   * cost so far. "Typical" is the median, so one test of 10,000 sessions does not make every
   * other test look like it.
   */
  remainingCalls(): number {
    if (this.testsDone >= this.testsTotal) return 0;
    const typical = median(this.sessionsPerTest) ?? this.current.listed ?? this.current.done;
    const currentLeft = Math.max(0, (this.current.listed ?? typical) - this.current.done);
    const testsNotStarted = Math.max(0, this.testsTotal - this.testsDone - 1);
    const sessionsLeft = currentLeft + testsNotStarted * typical;
    const callsPerSession = this.sessionsDone > 0 ? this.perSessionCalls / this.sessionsDone : 1;
    // The test under way has made some of its calls already: count it as started.
    const callsPerTest = this.perTestCalls / (this.testsDone + 1);
    return testsNotStarted * callsPerTest + sessionsLeft * callsPerSession;
  }

  /** Time left at the rate achieved, or NaN before there is a rate. */
  etaMs(): number {
    const rate = this.ratePerMinute();
    if (rate === null || rate <= 0) return Number.NaN;
    return (this.remainingCalls() / rate) * 60_000;
  }

  line(): string {
    const rate = this.ratePerMinute();
    return `tests ${this.testsDone}/${this.testsTotal} · sessions ${this.sessionsDone} · API calls ${this.options.stats.rateLimitedRequests()} (${this.options.stats.rateLimited} × 429) · ${rate === null ? "?" : rate.toFixed(1)}/min · ETA ${duration(this.etaMs())}`;
  }

  /** Clears the live line (or stops the periodic one) before the summary is printed. */
  finish(): void {
    this.stopTicking();
    if (this.terminal && this.shown) this.terminal.write("\r\x1b[2K");
  }

  private onRequest(event: RequestEvent): void {
    if (!LIMITED.has(event.endpoint)) return;
    if (PER_SESSION.has(event.endpoint)) this.perSessionCalls += 1;
    else this.perTestCalls += 1;
    // A 429 did no work (and the sandbox, like the API, does not count it against the budget).
    if (event.status !== 429) {
      const now = this.timers.now();
      this.answered.push(now);
      this.forget(now);
    }
    this.render();
  }

  private forget(now: number): void {
    while (this.head < this.answered.length && (this.answered[this.head] as number) <= now - RATE_WINDOW_MS)
      this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.answered.length) {
      this.answered = this.answered.slice(this.head);
      this.head = 0;
    }
  }

  private render(): void {
    if (!this.terminal) return;
    const now = this.timers.now();
    if (now - this.lastRender < 200) return;
    this.lastRender = now;
    this.shown = true;
    this.terminal.write(`\r\x1b[2K${this.line()}`);
  }
}
