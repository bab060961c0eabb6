import type { RequestStats } from "../http/request-stats.js";

const duration = (ms: number): string => {
  if (!Number.isFinite(ms)) return "?";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
};

export { duration as formatDuration };

/**
 * One status line on stderr while a sync runs, only when stderr is a terminal: tests done,
 * sessions done, API calls and their rate, and an ETA from the rate limit (at 10 requests a
 * minute the rate limit, not the network, sets the pace).
 */
export class ProgressReporter {
  private testsTotal = 0;
  private testsDone = 0;
  private sessionsDone = 0;
  private lastRender = 0;
  private readonly started = Date.now();
  private shown = false;

  constructor(
    private readonly stats: RequestStats,
    private readonly requestsPerMinute: number,
    private readonly out: NodeJS.WriteStream | null = process.stderr.isTTY ? process.stderr : null,
  ) {}

  setTests(total: number): void {
    this.testsTotal = total;
    this.render();
  }

  testDone(): void {
    this.testsDone += 1;
    this.render();
  }

  sessionDone(): void {
    this.sessionsDone += 1;
    this.render();
  }

  line(): string {
    const elapsed = Date.now() - this.started;
    const calls = this.stats.rateLimitedRequests();
    const perMinute = elapsed > 0 ? (calls / elapsed) * 60_000 : 0;
    const perTest = this.testsDone > 0 ? calls / this.testsDone : Number.NaN;
    const etaMs = ((this.testsTotal - this.testsDone) * perTest * 60_000) / this.requestsPerMinute;
    return `tests ${this.testsDone}/${this.testsTotal} · sessions ${this.sessionsDone} · API calls ${calls} (${this.stats.rateLimited} × 429) · ${perMinute.toFixed(1)}/min · ETA ${duration(etaMs)}`;
  }

  private render(force = false): void {
    if (!this.out) return;
    const now = Date.now();
    if (!force && now - this.lastRender < 200) return;
    this.lastRender = now;
    this.shown = true;
    this.out.write(`\r\x1b[2K${this.line()}`);
  }

  /** Clears the status line before the summary is printed. */
  finish(): void {
    if (this.out && this.shown) this.out.write("\r\x1b[2K");
  }
}
