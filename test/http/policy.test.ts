import { describe, expect, it } from "vitest";
import { policyForNetworkError, policyForStatus } from "../../src/http/error-policy.js";
import { parseRateLimitReset, parseRetryAfter, rateLimitWait } from "../../src/http/retry-after.js";

const NOW = Date.parse("2026-11-24T10:00:00Z");

describe("the error policy table", () => {
  it.each([
    [200, "success"],
    [204, "success"],
    [400, "fail"],
    [401, "refresh-token"],
    [403, "fail"],
    [404, "answer-none"],
    [408, "retry"],
    [409, "fail"],
    [429, "rate-limited"],
    [500, "retry"],
    [502, "retry"],
    [503, "retry"],
    [504, "retry"],
  ])("answers %i with %s", (status, action) => {
    expect(policyForStatus(status).action).toBe(action);
  });

  it.each([
    ["ECONNRESET", "retry"],
    ["ETIMEDOUT", "retry"],
    ["ECONNREFUSED", "retry"],
    ["ERR_STREAM_PREMATURE_CLOSE", "retry"],
    ["ERR_INVALID_URL", "fail"],
    [undefined, "fail"],
  ])("answers a network error %s with %s", (code, action) => {
    expect(policyForNetworkError(code).action).toBe(action);
  });
});

describe("Retry-After", () => {
  it.each([
    ["50", 50_000],
    ["0", 0],
    ["1.5", 1500],
    ["Tue, 24 Nov 2026 10:00:30 GMT", 30_000],
    ["Tue, 24 Nov 2026 09:59:00 GMT", 0],
    ["soon", null],
    [undefined, null],
  ])("reads %s as %s ms", (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([
    ["42", 42_000],
    [String(NOW / 1000 + 7), 7_000],
    ["x", null],
  ])("reads x-ratelimit-reset %s as %s ms", (value, ms) => {
    expect(parseRateLimitReset(value, NOW)).toBe(ms);
  });

  it.each<[string, Record<string, string>, number | null, number, number, string]>([
    ["Retry-After first", { "retry-after": "7", "x-ratelimit-reset": "30" }, 40_000, 1, 7_000, "Retry-After"],
    [
      "then the 429's own x-ratelimit-reset",
      { "x-ratelimit-reset": "30" },
      40_000,
      1,
      30_000,
      "x-ratelimit-reset",
    ],
    ["then the reset an earlier answer announced", {}, 12_500, 1, 12_500, "an earlier x-ratelimit-reset"],
    ["else a short backoff", {}, null, 1, 1_000, "backoff"],
    ["that doubles per 429", {}, null, 3, 4_000, "backoff"],
    ["up to 32 s, never a blind minute", {}, null, 12, 32_000, "backoff"],
  ])("a 429 without a word on when to return: %s", (_case, headers, earlier, n, ms, basis) => {
    expect(rateLimitWait(headers, NOW, earlier, n)).toEqual({ ms, basis });
  });
});
