import type { DuckDBValue } from "@duckdb/node-api";
import type { ColumnType } from "../core/columns.js";
import { LoaderError } from "../core/target-errors.js";

/** DuckDB types of the shared column vocabulary: JSON stays JSON, timestamps keep their zone. */
export const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "BIGINT",
  number: "DOUBLE",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMPTZ",
  json: "JSON",
};

/**
 * Staging column types: what JavaScript hands over without work. Integers arrive as doubles
 * (JSON.parse made them doubles already, so nothing is lost) and timestamps as their RFC 3339
 * text; the merge casts both, in parallel, inside DuckDB. Building a BigInt or parsing a
 * timestamp per value in JavaScript cost more than anything else in a load.
 */
export const STAGING_TYPE: Record<ColumnType, string> = {
  ...DUCKDB_TYPE,
  integer: "DOUBLE",
  timestamp: "VARCHAR",
};

/** The column type an existing DuckDB column holds (from information_schema.columns.data_type). */
export function columnTypeOf(duckdbType: string): ColumnType {
  const t = duckdbType.toUpperCase();
  if (t === "JSON") return "json";
  if (t === "BOOLEAN") return "boolean";
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(t))
    return "integer";
  if (/^(DOUBLE|FLOAT|REAL|DECIMAL.*)$/.test(t)) return "number";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  return "string";
}

const CANONICAL_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

/** Microseconds since the epoch of an RFC 3339 timestamp, keeping sub-millisecond digits. */
export function epochMicros(iso: string): bigint {
  // Fast path for the UTC form taps write (…THH:MM:SS.ffffffZ), the general one otherwise.
  const m = CANONICAL_UTC.exec(iso);
  if (m) {
    const seconds =
      Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
    return BigInt(seconds) * 1_000_000n + BigInt(((m[7] ?? "") + "000000").slice(0, 6));
  }
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new LoaderError(`'${iso}' is not a timestamp`);
  const fraction = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(iso)?.[1] ?? "";
  const seconds = BigInt(Math.floor(ms / 1000));
  return seconds * 1_000_000n + BigInt((fraction.padEnd(6, "0") || "0").slice(0, 6));
}

/** A record value as the staging value of a column type (see STAGING_TYPE). */
export function toStagingValue(type: ColumnType, value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
      return typeof value === "string"
        ? value
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
    case "integer":
    case "number":
      return Number(value);
    case "boolean":
      return Boolean(value);
    case "timestamp":
      return stagingTimestamp(String(value));
    case "json":
      return JSON.stringify(value);
  }
}

/** The RFC 3339 forms DuckDB's cast reads exactly as written (taps nearly always write these). */
const CASTABLE = /^\d{4}-\d{2}-\d{2}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A timestamp as text DuckDB can cast to TIMESTAMPTZ. The other forms RFC 3339 allows (a
 * lower-case "t" or "z", a space, "+0200", a leap second) are rewritten as UTC with
 * microseconds; text that is no timestamp at all is refused, naming it.
 */
export function stagingTimestamp(text: string): string {
  if (CASTABLE.test(text)) return text;
  const micros = epochMicros(text.toUpperCase().replace(" ", "T"));
  let seconds = micros / 1_000_000n;
  let fraction = micros % 1_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000n;
    seconds -= 1n;
  }
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, "0")}Z`;
}
