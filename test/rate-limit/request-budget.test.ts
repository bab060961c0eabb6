import { describe, expect, it } from "vitest";
import { RequestBudget } from "../../src/rate-limit/request-budget.js";
import { VirtualTimers } from "../helpers/virtual-timers.js";

/** `workers` loops that each acquire, hold the slot for `latencyMs`, and release; returns start times. */
async function drive(
  budget: RequestBudget,
  timers: VirtualTimers,
  options: { workers: number; requests: number; latencyMs: number },
) {
  const starts: number[] = [];
  let remaining = options.requests;
  const worker = async () => {
    while (remaining > 0) {
      remaining -= 1;
      const release = await budget.acquire();
      starts.push(timers.now());
      await timers.sleep(options.latencyMs);
      release();
    }
  };
  await timers.run(Promise.all(Array.from({ length: options.workers }, worker)));
  return starts.sort((a, b) => a - b);
}

/** The most starts in any window of `windowMs` (half-open). */
function busiestWindow(starts: number[], windowMs: number): number {
  let most = 0;
  let left = 0;
  for (let right = 0; right < starts.length; right++) {
    while ((starts[right] as number) - (starts[left] as number) >= windowMs) left++;
    most = Math.max(most, right - left + 1);
  }
  return most;
}

describe("RequestBudget", () => {
  it.each([
    { limit: 10, workers: 3, latencyMs: 800 },
    { limit: 10, workers: 5, latencyMs: 50 },
    { limit: 600, workers: 3, latencyMs: 20 },
    { limit: 7, workers: 1, latencyMs: 9_000 },
  ])(
    "never starts more than $limit requests in any minute and keeps the budget busy ($workers workers, $latencyMs ms each)",
    async ({ limit, workers, latencyMs }) => {
      const timers = new VirtualTimers();
      const budget = new RequestBudget({ requestsPerWindow: limit, maxConcurrency: workers, timers });
      const starts = await drive(budget, timers, { workers, requests: limit * 12, latencyMs });
      expect(busiestWindow(starts, 60_000)).toBeLessThanOrEqual(limit);
      // Over whole minutes after the first (whose burst would flatter the figure): starts
      // achieved as a share of starts allowed, or of what the workers could send at all.
      const minutes = Math.floor((starts.at(-1) as number) / 60_000);
      const counted = starts.filter((t) => t >= 60_000 && t < minutes * 60_000).length;
      const achieved = counted / (limit * (minutes - 1));
      const concurrencyBound = (workers * 60_000) / latencyMs / limit;
      expect(achieved).toBeGreaterThanOrEqual(Math.min(0.95, concurrencyBound * 0.95));
      expect(achieved).toBeLessThanOrEqual(1);
    },
  );

  it("runs at most maxConcurrency requests at once", async () => {
    const timers = new VirtualTimers();
    const budget = new RequestBudget({ requestsPerWindow: 1000, maxConcurrency: 3, timers });
    let active = 0;
    let peak = 0;
    const worker = async () => {
      for (let i = 0; i < 20; i++) {
        const release = await budget.acquire();
        active += 1;
        peak = Math.max(peak, active);
        await timers.sleep(100);
        active -= 1;
        release();
      }
    };
    await timers.run(Promise.all(Array.from({ length: 8 }, worker)));
    expect(peak).toBe(3);
  });

  it("stops every caller while paused by a Retry-After", async () => {
    const timers = new VirtualTimers(1_000_000);
    const budget = new RequestBudget({ requestsPerWindow: 100, maxConcurrency: 3, timers });
    budget.pauseFor(30_000);
    const starts = await drive(budget, timers, { workers: 3, requests: 3, latencyMs: 10 });
    expect(starts).toEqual([1_030_000, 1_030_000, 1_030_000]);
  });

  it("pauses until x-ratelimit-reset when x-ratelimit-remaining reaches 0", async () => {
    const timers = new VirtualTimers(0);
    const budget = new RequestBudget({ requestsPerWindow: 100, timers });
    budget.observe({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "42" });
    const starts = await drive(budget, timers, { workers: 1, requests: 1, latencyMs: 1 });
    expect(starts).toEqual([42_000]);
  });

  it("adopts a lower x-ratelimit-limit than configured, and says so", async () => {
    const timers = new VirtualTimers(0);
    const lowered: number[] = [];
    const budget = new RequestBudget({
      requestsPerWindow: 20,
      timers,
      onLimitLowered: (l) => lowered.push(l),
    });
    budget.observe({ "x-ratelimit-limit": "10", "x-ratelimit-remaining": "9" });
    expect(lowered).toEqual([10]);
    const starts = await drive(budget, timers, { workers: 3, requests: 30, latencyMs: 10 });
    expect(busiestWindow(starts, 60_000)).toBe(10);
  });

  it("serves callers in the order they asked", async () => {
    const timers = new VirtualTimers(0);
    const budget = new RequestBudget({ requestsPerWindow: 2, maxConcurrency: 1, timers });
    const order: number[] = [];
    const asks = [0, 1, 2, 3, 4].map(async (n) => {
      const release = await budget.acquire();
      order.push(n);
      release();
    });
    await timers.run(Promise.all(asks));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
