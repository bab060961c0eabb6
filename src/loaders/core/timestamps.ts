/**
 * Timestamps as every warehouse reads them. RFC 3339 allows forms that DuckDB's (and most
 * warehouses') parsers misread or refuse: a lower-case "t" or "z", a space, "+0200", a leap
 * second. The target core rewrites those, and only those, as UTC with microseconds; the
 * common form passes through untouched, so its record line can be loaded as it arrived.
 */

/** The RFC 3339 forms warehouses read exactly as written (taps nearly always write these). */
const CASTABLE = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

const CANONICAL_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** True when `text` can be loaded as it is. */
export function isCastableTimestamp(text: string): boolean {
  return CASTABLE.test(text);
}

/** Microseconds since the epoch of an RFC 3339 timestamp, keeping sub-millisecond digits; null if it is none. */
function epochMicros(iso: string): bigint | null {
  const m = CANONICAL_UTC.exec(iso);
  if (m) {
    const seconds =
      Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
    return BigInt(seconds) * 1_000_000n + BigInt(((m[7] ?? "") + "000000").slice(0, 6));
  }
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const fraction = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(iso)?.[1] ?? "";
  const seconds = BigInt(Math.floor(ms / 1000));
  return seconds * 1_000_000n + BigInt((fraction.padEnd(6, "0") || "0").slice(0, 6));
}

/**
 * A timestamp as text every loader can cast exactly: itself when it already is, else the same
 * instant as UTC with microseconds; null when the text is no timestamp at all.
 */
export function castableTimestamp(text: string): string | null {
  if (CASTABLE.test(text)) return text;
  const micros = epochMicros(text.toUpperCase().replace(" ", "T"));
  if (micros === null) return null;
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, "0")}Z`;
}
