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
