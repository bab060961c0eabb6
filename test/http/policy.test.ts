import { describe, expect, it } from "vitest";
import { policyForNetworkError, policyForStatus } from "../../src/http/error-policy.js";
import { parseRateLimitReset, parseRetryAfter } from "../../src/http/retry-after.js";

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
});
