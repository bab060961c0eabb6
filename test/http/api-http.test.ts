import { describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Fault } from "../../src/sandbox/index.js";
import { clientFor } from "../helpers/client.js";
import { useSandbox } from "../helpers/sandbox.js";

describe("retries", () => {
  it.each<[string, Fault]>([
    ["a 500", { kind: "status", status: 500 }],
    ["a 502 with an HTML body", { kind: "status", status: 502 }],
    ["a 503", { kind: "status", status: 503 }],
    ["a dropped connection", { kind: "drop" }],
    ["a body cut short", { kind: "truncate" }],
    ["a response slower than the timeout", { kind: "slow", delayMs: 600 }],
  ])("recover from %s", async (_case, fault) => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox, {}, { timeoutMs: 300 });
    const session = sandbox.data.allSessions()[0];
    sandbox.faults.enqueue({ ...fault, match: "sessionDetail" }, { ...fault, match: "sessionDetail" });
    expect(await client.sessionDetail(session?.sessionId ?? "")).toEqual(
      sandbox.data.sessionDetail(session?.sessionId ?? ""),
    );
    expect(stats.retries).toBe(2);
    expect(stats.count("sessionDetail")).toBe(3);
  });

  it.each<[string, Fault, string]>([
    ["500s", { kind: "status", status: 500 }, "the API had a server error (500)"],
    ["502s", { kind: "status", status: 502 }, "the API had a server error (502)"],
    ["503s", { kind: "status", status: 503 }, "the API had a server error (503)"],
    ["dropped connections", { kind: "drop" }, "the connection failed (ECONNRESET)"],
    ["bodies cut short", { kind: "truncate" }, "the connection failed (ECONNRESET)"],
    ["time-outs", { kind: "slow", delayMs: 400 }, "the connection failed (ETIMEDOUT)"],
  ])(
    "give up on repeated %s after the bound, naming the endpoint and the reason",
    async (_case, fault, reason) => {
      const sandbox = await useSandbox();
      const { client, stats } = clientFor(
        sandbox,
        {},
        { timeoutMs: 200, retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 } },
      );
      for (let i = 0; i < 4; i++) sandbox.faults.enqueue({ ...fault, match: "qxScores" });
      const test = sandbox.data.tests().find((t) => t.hasQxScores);
      const error = (await client.qxScores(test?.testId ?? "").catch((e: unknown) => e)) as ApiError;
      expect(error).toBeInstanceOf(ApiError);
      expect(error.message).toBe(
        `GET /api/v2/testResults/{testId}/qxScores failed: ${reason}, after 4 attempts`,
      );
      expect(error.endpoint).toBe("/api/v2/testResults/{testId}/qxScores");
      expect(stats.count("qxScores")).toBe(4);
    },
  );

  it("never retry a 400", async () => {
    const sandbox = await useSandbox();
    const { http, stats } = clientFor(sandbox);
    const { ENDPOINTS } = await import("../../src/api/endpoints.js");
    const error = await http
      .get(ENDPOINTS.sessionResults, {}, { testId: "not-a-uuid" })
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "GET /api/v2/sessionResults failed: the API refused the request as malformed (400)",
    );
    expect(stats.count("sessionResults")).toBe(1);
    expect(stats.retries).toBe(0);
  });

  it.each([
    ["with Retry-After (the guides' reading)", "guides", "Retry-After"],
    [
      "without Retry-After (the OpenAPI's), for the x-ratelimit-reset every answer carries",
      "openapi",
      "x-ratelimit-reset",
    ],
  ] as const)(
    "wait out a 429 %s, for every caller, without using up retries",
    async (_case, shapes, basis) => {
      // One request per 200 ms window: concurrent calls run into the sandbox's own 429s.
      const sandbox = await useSandbox({ requestsPerMinute: 1, rateWindowMs: 200, apiShapes: shapes });
      // The client's own window is as short, so it does not adopt the sandbox's limit of 1 and sends anyway.
      const { client, stats, logs } = clientFor(
        sandbox,
        {},
        { rateWindowMs: 200, retry: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 1 } },
      );
      const test = sandbox.data
        .tests()
        .find((t) => t.hasQxScores && (sandbox.data.sessions(t.testId)?.length ?? 0) > 0);
      const results = await Promise.all([1, 2, 3].map(() => client.qxScores(test?.testId ?? "")));
      for (const result of results) expect(result).toEqual(sandbox.data.qxScores(test?.testId ?? ""));
      expect(stats.rateLimited).toBeGreaterThanOrEqual(2);
      expect(logs.some((l) => l.includes(`429 rate limited; all requests wait 1 s (${basis})`))).toBe(true);
      expect(logs.some((l) => l.includes("wait 60 s"))).toBe(false);
    },
  );

  it("treat 404 as an answer: a classic test has no sessions listing", async () => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox);
    const classic = sandbox.data.tests().find((t) => t.api === "classic");
    expect(await client.openSessions(classic?.testId ?? "")).toBeNull();
    expect(stats.retries).toBe(0);
  });
});

describe("debug logging", () => {
  const LINE = /^DEBUG (GET|POST) (\/[^\s?]*) (\d{3}|[A-Z][A-Z_]+) in (\d+) ms \(attempt (\d+)\)$/;

  it("logs one line per attempt: method, endpoint template, status or error code, duration, attempt", async () => {
    const sandbox = await useSandbox();
    const { client, stats, logs } = clientFor(sandbox);
    const test = sandbox.data.tests().find((t) => (sandbox.data.listedSessions(t.testId) ?? []).length > 0);
    const session = sandbox.data.listedSessions(test?.testId ?? "")?.[0];
    sandbox.faults.enqueue(
      { kind: "status", status: 503, match: "sessionDetail" },
      { kind: "drop", match: "sessionDetail" },
    );
    const listing = await client.openSessions(test?.testId ?? "");
    expect(listing).not.toBeNull();
    await client.sessionDetail(session?.sessionId ?? "");

    const requests = logs.filter((line) => LINE.test(line));
    expect(requests.map((line) => line.replace(/ in \d+ ms/, " in N ms"))).toEqual([
      "DEBUG POST /oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token 200 in N ms (attempt 1)",
      "DEBUG GET /api/v2/sessionResults 200 in N ms (attempt 1)",
      "DEBUG GET /api/v3/sessionResults/{sessionId} 503 in N ms (attempt 1)",
      "DEBUG GET /api/v3/sessionResults/{sessionId} ECONNRESET in N ms (attempt 2)",
      "DEBUG GET /api/v3/sessionResults/{sessionId} 200 in N ms (attempt 3)",
    ]);
    expect(requests).toHaveLength(stats.requests + 1);
  });

  it("logs the token request's retries, and never a query string, token or secret", async () => {
    const sandbox = await useSandbox();
    const issued: string[] = [];
    const issue = sandbox.tokens.issue.bind(sandbox.tokens);
    sandbox.tokens.issue = (...args) => {
      const token = issue(...args);
      issued.push(token.accessToken);
      return token;
    };
    sandbox.faults.enqueue({ kind: "status", status: 503, match: "token" });
    const { client, logs } = clientFor(sandbox);
    const test = sandbox.data.tests().find((t) => (sandbox.data.listedSessions(t.testId) ?? []).length > 0);
    await client.openSessions(test?.testId ?? "");
    const requests = logs.filter((line) => LINE.test(line));
    expect(requests.slice(0, 2).map((line) => line.replace(/ in \d+ ms/, ""))).toEqual([
      "DEBUG POST /oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token 503 (attempt 1)",
      "DEBUG POST /oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token 200 (attempt 2)",
    ]);
    const everything = logs.join("\n");
    expect(everything).not.toContain("?");
    expect(everything).not.toContain(test?.testId ?? "-");
    for (const secret of [sandbox.client.clientSecret, ...issued]) expect(everything).not.toContain(secret);
    expect(issued).toHaveLength(1);
  });

  it("logs no request lines above debug level", async () => {
    const sandbox = await useSandbox();
    const { logger, lines } = memoryLogger("info");
    const { client } = clientFor(sandbox, {}, { logger });
    await client.workspaces();
    expect(lines.filter((line) => LINE.test(line))).toEqual([]);
  });
});
