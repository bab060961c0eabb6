/**
 * Milliseconds to wait from a Retry-After header: delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined) return null;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/** Milliseconds until an `x-ratelimit-reset` header's moment: seconds from now, or an epoch timestamp. */
export function parseRateLimitReset(value: string | string[] | undefined, now: number): number | null {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || !/^\d+(\.\d+)?$/.test(header.trim())) return null;
  const n = Number(header);
  // Values this large are epoch seconds (GitHub style), smaller ones delta seconds.
  if (n > 1_000_000_000) return Math.max(0, n * 1000 - now);
  return Math.round(n * 1000);
}

export interface RateLimitWait {
  ms: number;
  /** What the wait is based on, for the log line. */
  basis: "Retry-After" | "x-ratelimit-reset" | "an earlier x-ratelimit-reset" | "backoff";
}

/**
 * How long a 429 makes every request wait. The guides' script reads Retry-After; the OpenAPI
 * documents none on a 429, but every answer carries `x-ratelimit-reset` (seconds left in the
 * window). So: Retry-After, else the 429's x-ratelimit-reset, else the reset an earlier answer
 * announced, else a short backoff (`firstBackoffMs`, doubling per consecutive 429, at most 32
 * times it), never a blind minute.
 */
export function rateLimitWait(
  headers: Record<string, string | string[] | undefined>,
  now: number,
  earlierResetMs: number | null,
  consecutive429s: number,
  firstBackoffMs = 1000,
): RateLimitWait {
  const retryAfter = parseRetryAfter(headers["retry-after"], now);
  if (retryAfter !== null) return { ms: retryAfter, basis: "Retry-After" };
  const reset = parseRateLimitReset(headers["x-ratelimit-reset"], now);
  if (reset !== null) return { ms: reset, basis: "x-ratelimit-reset" };
  if (earlierResetMs !== null && earlierResetMs > 0)
    return { ms: earlierResetMs, basis: "an earlier x-ratelimit-reset" };
  return { ms: firstBackoffMs * 2 ** Math.min(5, Math.max(0, consecutive429s - 1)), basis: "backoff" };
}
