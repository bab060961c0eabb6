import { type DuckDBValue, timestampTZValue } from "@duckdb/node-api";
import type { ColumnType } from "../core/columns.js";

/** DuckDB types of the shared column vocabulary: JSON stays JSON, timestamps keep their zone. */
export const DUCKDB_TYPE: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "BIGINT",
  number: "DOUBLE",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMPTZ",
  json: "JSON",
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
  const fraction = /T\d{2}:\d{2}:\d{2}\.(\d+)/.exec(iso)?.[1] ?? "";
  const seconds = BigInt(Math.floor(ms / 1000));
  return seconds * 1_000_000n + BigInt((fraction.padEnd(6, "0") || "0").slice(0, 6));
}

/** A record value as the DuckDB value of a column type. */
export function toDuckDbValue(type: ColumnType, value: unknown): DuckDBValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
      return typeof value === "string"
        ? value
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
    case "integer":
      return typeof value === "bigint" ? value : BigInt(Math.trunc(Number(value)));
    case "number":
      return Number(value);
    case "boolean":
      return Boolean(value);
    case "timestamp":
      return timestampTZValue(epochMicros(String(value)));
    case "json":
      return JSON.stringify(value);
  }
}
