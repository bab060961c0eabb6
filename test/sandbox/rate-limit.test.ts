import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/sandbox/index.js";
import { SlidingWindowRateLimiter } from "../../src/sandbox/rate-limiter.js";
import { apiGet, fetchToken, useSandbox } from "../helpers/sandbox.js";

describe("the sandbox's rate limit", () => {
  it("allows 10 Results API requests a minute, then answers 429 with Retry-After", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, requestsPerMinute: 10 });
    const token = await fetchToken(sandbox);
    const testId = sandbox.data.tests().find((t) => t.api === "results_api")?.testId;
    const path = `/api/v2/sessionResults?testId=${testId}`;
    const remaining: Array<string | null> = [];
    for (let i = 0; i < 10; i++) {
      const response = await apiGet(sandbox, path, token);
      expect(response.status).toBe(200);
      remaining.push(response.headers.get("x-ratelimit-remaining"));
      clock.advance(1000);
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    const limited = await apiGet(sandbox, path, token);
    expect(limited.status).toBe(429);
    // The first request was 10 s ago: it leaves the window in 50 s.
    expect(limited.headers.get("retry-after")).toBe("50");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await limited.json()).toEqual({
      code: "TOO_MANY_REQUESTS",
      message: "Rate limit exceeded: 10 requests per minute",
    });
    clock.advance(49_000);
    expect((await apiGet(sandbox, path, token)).status).toBe(429);
    clock.advance(1000);
    expect((await apiGet(sandbox, path, token)).status).toBe(200);
  });

  it("shares one budget across every Results API endpoint, and leaves the workspace endpoints out", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, requestsPerMinute: 3 });
    const token = await fetchToken(sandbox);
    const session = sandbox.data.allSessions().find((s) => s.hasTranscript);
    const paths = [
      `/api/v3/sessionResults/${session?.sessionId}`,
      `/api/v2/sessionResults/${session?.sessionId}/transcript`,
      `/api/v2/testResults/${session?.testId}/qxScores`,
    ];
    for (const path of paths) expect((await apiGet(sandbox, path, token)).status).not.toBe(429);
    expect(
      (await apiGet(sandbox, `/api/v2/testResults/${session?.testId}/highlightreels`, token)).status,
    ).toBe(429);
    for (let i = 0; i < 5; i++)
      expect((await apiGet(sandbox, "/usertesting/api/v1/workspaces", token)).status).toBe(200);
  });

  it("counts per client, and can be turned off", async () => {
    const clock = new ManualClock();
    const clients = [
      { clientId: "a", clientSecret: "a-secret" },
      { clientId: "b", clientSecret: "b-secret" },
    ];
    const sandbox = await useSandbox({ clock, requestsPerMinute: 1, clients });
    const path = "/api/v2/testResults/00000000-0000-4000-8000-000000000000/qxScores";
    const tokenA = sandbox.tokens.issue("a").accessToken;
    const tokenB = sandbox.tokens.issue("b").accessToken;
    expect((await apiGet(sandbox, path, tokenA)).status).toBe(404);
    expect((await apiGet(sandbox, path, tokenA)).status).toBe(429);
    expect((await apiGet(sandbox, path, tokenB)).status).toBe(404);

    const unlimited = await useSandbox({ clock, requestsPerMinute: 0 });
    const token = unlimited.issueToken();
    for (let i = 0; i < 50; i++) expect((await apiGet(unlimited, path, token)).status).toBe(404);
  });
});

describe("SlidingWindowRateLimiter", () => {
  it("never refuses requests spaced by the window over the limit (the vendor's 6-second interval)", () => {
    const clock = new ManualClock();
    const limiter = new SlidingWindowRateLimiter(10, 60_000, clock);
    for (let i = 0; i < 100; i++) {
      expect(limiter.take("client").allowed).toBe(true);
      clock.advance(6000);
    }
  });

  it("never lets more than the limit into any window, whatever the arrival pattern", () => {
    const clock = new ManualClock(0);
    const limiter = new SlidingWindowRateLimiter(10, 60_000, clock);
    const accepted: number[] = [];
    let seed = 1;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 16807) % 2147483647;
      clock.advance(seed % 9000);
      if (limiter.take("client").allowed) accepted.push(clock.now());
    }
    for (let i = 10; i < accepted.length; i++) {
      expect((accepted[i] as number) - (accepted[i - 10] as number)).toBeGreaterThanOrEqual(60_000);
    }
    expect(accepted.length).toBeGreaterThan(100);
  });

  it.each([
    [0, 60],
    [30_000, 30],
    [59_001, 1],
  ])(
    "answers Retry-After in whole seconds, at least 1 (%i ms after the first request: %i s)",
    (elapsed, seconds) => {
      const clock = new ManualClock(0);
      const limiter = new SlidingWindowRateLimiter(1, 60_000, clock);
      limiter.take("c");
      clock.advance(elapsed);
      const decision = limiter.take("c");
      expect(decision).toMatchObject({ allowed: false, retryAfterSeconds: seconds });
    },
  );
});
