import { describe, expect, it } from "vitest";
import { RequestStats } from "../../src/http/request-stats.js";
import { memoryLogger } from "../../src/log/logger.js";
import { RequestBudget } from "../../src/rate-limit/request-budget.js";
import { ProgressReporter } from "../../src/tap/progress.js";
import { VirtualTimers } from "../helpers/virtual-timers.js";

const answer = (endpoint: string, status = 200) => ({
  endpoint,
  status,
  error: null,
  bytes: 1,
  durationMs: 1,
  attempt: 1,
});

function terminal() {
  const written: string[] = [];
  return { written, stream: { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream };
}

interface Workload {
  /** Sessions of each test, in the order the engine walks them. */
  sessions: number[];
  /** Whether the engine reports each test's listing total (ProgressReporter.sessionsListed). */
  reportsListings: boolean;
}

interface Sample {
  at: number;
  etaMs: number;
  rate: number | null;
  testsDone: number;
}

/**
 * A sync as the engine walks it, on virtual time, through the real request budget: per test a
 * session listing (one page per 500) and, for every other test, QX scores; per session its
 * details and transcript. Each request takes `latencyMs`, one at a time. Samples the reporter
 * after every test and every minute (the periodic log line).
 */
async function simulate(requestsPerMinute: number, work: Workload, latencyMs = 20) {
  const timers = new VirtualTimers();
  const stats = new RequestStats();
  const budget = new RequestBudget({ requestsPerWindow: requestsPerMinute, maxConcurrency: 3, timers });
  const { logger, lines } = memoryLogger("info");
  const progress = new ProgressReporter({
    stats,
    requestsPerMinute,
    terminal: null,
    logger,
    timers,
    every: (ms, tick) => timers.every(ms, tick),
  });
  const samples: Sample[] = [];
  const sample = () =>
    samples.push({
      at: timers.now(),
      etaMs: progress.etaMs(),
      rate: progress.ratePerMinute(),
      testsDone: samples.length,
    });
  const call = async (endpoint: string) => {
    const release = await budget.acquire();
    await timers.sleep(latencyMs);
    release();
    stats.record(answer(endpoint));
  };
  await timers.run(
    (async () => {
      progress.setTests(work.sessions.length);
      for (const [i, count] of work.sessions.entries()) {
        for (let page = 0; page <= Math.floor(count / 500); page++) await call("sessionResults");
        if (work.reportsListings) progress.sessionsListed(count);
        if (i % 2 === 0) await call("qxScores");
        for (let s = 0; s < count; s++) {
          await call("sessionDetail");
          await call("transcript");
          progress.sessionDone();
        }
        progress.testDone();
        sample();
      }
    })(),
  );
  const end = timers.now();
  progress.finish();
  return { samples, end, lines, stats };
}

const EVEN = {
  sessions: [6, 4, 5, 7, 3, 6, 5, 4, 6, 5, 7, 5, 4, 6, 5, 6, 4, 5, 7, 5],
  reportsListings: false,
};
const ONE_LARGE = (reportsListings: boolean) => ({
  sessions: [6, 4, 5, 7, 3, 120, 5, 4, 6, 5, 7, 5, 4, 6, 5, 6, 4, 5, 7, 5],
  reportsListings,
});
/** Scales a workload so that each case runs for several minutes at its pace. */
const scaled = (work: Workload, factor: number) => ({
  ...work,
  sessions: work.sessions.map((n) => n * factor),
});

describe("progress on stderr", () => {
  it("shows tests, sessions, calls, the rate and an ETA on one rewritten line on a terminal", () => {
    const timers = new VirtualTimers();
    const { written, stream } = terminal();
    const stats = new RequestStats();
    const progress = new ProgressReporter({ stats, requestsPerMinute: 10, terminal: stream, timers });
    progress.setTests(10);
    for (let i = 0; i < 20; i++) stats.record(answer("sessionResults"));
    progress.testDone();
    progress.testDone();
    // 20 calls for 2 tests (the third under way): 7 more tests of 20/3 calls, at 10 a minute.
    expect(progress.line()).toBe("tests 2/10 · sessions 0 · API calls 20 (0 × 429) · 10.0/min · ETA 4m 40s");
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((w) => w.startsWith("\r\x1b[2K"))).toBe(true);
    progress.finish();
    expect(written.at(-1)).toBe("\r\x1b[2K");
  });

  it("without a terminal, logs a progress line every minute, and stops at the end", async () => {
    const { samples, end, lines } = await simulate(10, EVEN);
    const minutes = Math.floor(end / 60_000);
    expect(minutes).toBeGreaterThan(20);
    const progressLines = lines.filter((l) => l.startsWith("INFO progress: "));
    expect(progressLines).toHaveLength(minutes);
    expect(progressLines[0]).toMatch(
      /^INFO progress: tests \d+\/20 · sessions \d+ · API calls 10 \(0 × 429\) · 10\.0\/min · ETA \d+m \d\ds$/,
    );
    expect(progressLines.at(-1)).toMatch(/^INFO progress: tests (19|20)\/20 · /);
    expect(samples).toHaveLength(20);
  });

  it("writes nothing to a log when stderr is a terminal", () => {
    const { logger, lines } = memoryLogger("debug");
    const timers = new VirtualTimers();
    let scheduled = 0;
    const progress = new ProgressReporter({
      stats: new RequestStats(),
      requestsPerMinute: 10,
      terminal: terminal().stream,
      logger,
      timers,
      every: () => {
        scheduled += 1;
        return () => {};
      },
    });
    progress.setTests(3);
    progress.finish();
    expect(scheduled).toBe(0);
    expect(lines).toEqual([]);
  });

  it.each([
    // [requests a minute, expected rate: the limit, or what one request at a time at 20 ms achieves, scale]
    [10, 10, 1],
    [600, 600, 10],
    [100_000, 3000, 10],
  ])(
    "measures the rate achieved at %i requests a minute: %i a minute, within 10 percent",
    async (rpm, expected, factor) => {
      const { samples } = await simulate(rpm, scaled(EVEN, factor));
      for (const { rate } of samples.slice(1)) {
        expect(rate).not.toBeNull();
        expect(Math.abs((rate as number) - expected) / expected).toBeLessThan(0.1);
      }
    },
  );

  it.each<[string, number, Workload, number]>([
    ["even tests", 10, EVEN, 1],
    ["even tests", 600, EVEN, 10],
    ["even tests", 100_000, EVEN, 10],
    ["one large test, listing totals reported", 10, ONE_LARGE(true), 1],
    ["one large test, listing totals reported", 600, ONE_LARGE(true), 10],
    ["one large test, listing totals reported", 100_000, ONE_LARGE(true), 10],
  ])(
    "%s at %i a minute: the ETA stays within 15 percent (plus one burst minute) of the time left while 3 tests or more are left",
    async (_case, rpm, work, factor) => {
      const { samples, end } = await simulate(rpm, scaled(work, factor));
      const large = work.sessions.indexOf(Math.max(...work.sessions));
      // Before a test is listed nothing can know its size: check from the large test on (and
      // for even tests from the second, once there is a typical test).
      const from = work.reportsListings ? large : 1;
      const slack = rpm <= 60_000 / 20 ? 60_000 : 0;
      for (const { at, etaMs, testsDone } of samples.slice(from, -3)) {
        const left = end - at;
        expect(
          Math.abs(etaMs - left),
          `after test ${testsDone + 1}: ETA ${etaMs} ms, left ${left} ms`,
        ).toBeLessThanOrEqual(0.15 * left + slack);
      }
    },
  );

  it.each([
    [10, 1],
    [600, 10],
    [100_000, 10],
  ])("does not jump when a large test finishes (%i a minute, listings not reported)", async (rpm, factor) => {
    const work = scaled(ONE_LARGE(false), factor);
    const { samples, end } = await simulate(rpm, work);
    const large = work.sessions.indexOf(Math.max(...work.sessions));
    const before = samples[large - 1] as Sample;
    const after = samples[large] as Sample;
    // The ETA after the large test is about the one before it, less nothing (it was unknown);
    // and from then on it is as right as for even tests.
    expect(after.etaMs).toBeLessThanOrEqual(before.etaMs * 1.15);
    const slack = rpm <= 60_000 / 20 ? 60_000 : 0;
    for (const { at, etaMs } of samples.slice(large, -3))
      expect(Math.abs(etaMs - (end - at))).toBeLessThanOrEqual(0.15 * (end - at) + slack);
  });

  it("counts a 429 as a call but not as work done", () => {
    const timers = new VirtualTimers();
    const stats = new RequestStats();
    const progress = new ProgressReporter({ stats, requestsPerMinute: 10, terminal: null, timers });
    stats.record(answer("sessionResults", 429));
    expect(progress.ratePerMinute()).toBeNull();
    expect(progress.line()).toBe("tests 0/0 · sessions 0 · API calls 1 (1 × 429) · ?/min · ETA ?");
  });
});
