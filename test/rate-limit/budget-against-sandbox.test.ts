import { describe, expect, it } from "vitest";
import { clientFor } from "../helpers/client.js";
import { useSandbox } from "../helpers/sandbox.js";

describe("the request budget against the sandbox's limit", () => {
  it("gets no 429 and never exceeds the limit in any window, with the window scaled down to a second", async () => {
    const limit = 20;
    const sandbox = await useSandbox({ requestsPerMinute: limit, rateWindowMs: 1000 });
    const { client, stats } = clientFor(
      sandbox,
      { requests_per_minute: limit, max_concurrency: 3 },
      { rateWindowMs: 1000 },
    );
    const sessions = sandbox.data.allSessions().slice(0, 100);
    const queue = [...sessions];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let s = queue.shift(); s; s = queue.shift()) await client.sessionDetail(s.sessionId);
      }),
    );
    expect(stats.rateLimited).toBe(0);
    const arrivals = sandbox.requests.filter((r) => r.route === "sessionDetail").map((r) => r.at);
    expect(arrivals).toHaveLength(100);
    for (let i = limit; i < arrivals.length; i++) {
      expect((arrivals[i] as number) - (arrivals[i - limit] as number)).toBeGreaterThanOrEqual(1000);
    }
    // How busy the budget keeps the limit is specified on virtual time (request-budget.test.ts)
    // and measured by `npm run bench:client`; on a real clock it depends on the machine's load.
  });
});
