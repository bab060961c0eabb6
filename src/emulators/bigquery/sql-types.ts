import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";
import { BigQueryError } from "./bigquery-error.js";

/** A BigQuery schema field (TableFieldSchema), as much of it as the stand-in keeps. */
export interface FieldSchema {
  name: string;
  type: string;
  mode?: "NULLABLE" | "REQUIRED" | "REPEATED";
  description?: string;
}

/** BigQuery type names (both the legacy and the standard SQL spelling) → DuckDB. */
const DUCKDB_OF: Record<string, string> = {
  STRING: "VARCHAR",
  INT64: "BIGINT",
  INTEGER: "BIGINT",
  FLOAT64: "DOUBLE",
  FLOAT: "DOUBLE",
  BOOL: "BOOLEAN",
  BOOLEAN: "BOOLEAN",
  TIMESTAMP: "TIMESTAMPTZ",
  JSON: "JSON",
  NUMERIC: "DECIMAL(38,9)",
  DATE: "DATE",
  DATETIME: "TIMESTAMP",
};

export const isBigQueryType = (name: string): boolean => name.toUpperCase() in DUCKDB_OF;

export function duckDbTypeOf(bigQueryType: string): string {
  const mapped = DUCKDB_OF[bigQueryType.toUpperCase()];
  if (!mapped) throw new BigQueryError("invalid", `Unsupported field type: ${bigQueryType}`);
  return mapped;
}

/** BigQuery's canonical (legacy) name for a type, as tables.get and query schemas spell it. */
const CANONICAL: Record<string, string> = {
  INT64: "INTEGER",
  FLOAT64: "FLOAT",
  BOOL: "BOOLEAN",
};
export const canonicalType = (name: string): string => CANONICAL[name.toUpperCase()] ?? name.toUpperCase();

/** A DuckDB column type (information_schema spelling) → BigQuery. */
export function bigQueryTypeOfColumn(dataType: string): string {
  const t = dataType.toUpperCase();
  if (t === "VARCHAR") return "STRING";
  if (["BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT", "UINTEGER"].includes(t))
    return "INTEGER";
  if (t === "DOUBLE" || t === "FLOAT" || t === "REAL") return "FLOAT";
  if (t === "BOOLEAN") return "BOOLEAN";
  if (t === "TIMESTAMP WITH TIME ZONE" || t === "TIMESTAMPTZ") return "TIMESTAMP";
  if (t === "TIMESTAMP") return "DATETIME";
  if (t === "DATE") return "DATE";
  if (t === "JSON") return "JSON";
  if (t.startsWith("DECIMAL")) return "NUMERIC";
  return "STRING";
}

/** A result column's DuckDB type → BigQuery. */
export function bigQueryTypeOf(type: DuckDBType): string {
  if (type.alias === "JSON") return "JSON";
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UINTEGER:
      return "INTEGER";
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.FLOAT:
      return "FLOAT";
    case DuckDBTypeId.BOOLEAN:
      return "BOOLEAN";
    case DuckDBTypeId.TIMESTAMP_TZ:
      return "TIMESTAMP";
    case DuckDBTypeId.TIMESTAMP:
      return "DATETIME";
    case DuckDBTypeId.DATE:
      return "DATE";
    case DuckDBTypeId.DECIMAL:
      return "NUMERIC";
    default:
      return "STRING";
  }
}

/**
 * One cell in BigQuery's JSON row format (`{f: [{v}]}`): every value a string (INT64 as decimal
 * digits, so past 2^53 stays exact), TIMESTAMP as microseconds since the epoch when the client
 * asks `formatOptions.useInt64Timestamp` (the Node client always does: job.js getQueryResults,
 * bigquery.js buildQueryRequest_), else as float seconds; DATETIME as `YYYY-MM-DDTHH:MM:SS.ffffff`.
 */
export function encodeCell(type: string, value: unknown, int64Timestamp: boolean): string | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "TIMESTAMP": {
      const micros = (value as { micros: bigint }).micros;
      if (int64Timestamp) return micros.toString();
      const sign = micros < 0n ? "-" : "";
      const abs = micros < 0n ? -micros : micros;
      return `${sign}${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, "0")}`;
    }
    case "DATETIME": {
      // BigQuery writes DATETIME as YYYY-MM-DDTHH:MM:SS[.ffffff], six fraction digits when there is a fraction.
      const [whole = "", fraction] = String(value).replace(" ", "T").split(".");
      return fraction === undefined ? whole : `${whole}.${fraction.padEnd(6, "0")}`;
    }
    case "BOOLEAN":
      return value ? "true" : "false";
    case "NUMERIC": {
      // BigQuery prints NUMERIC without trailing zeros ("1.25", not DECIMAL(38,9)'s "1.250000000").
      const text = String(value);
      return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
    }
    case "FLOAT": {
      const n = Number(value);
      return Number.isFinite(n) ? String(n) : n > 0 ? "Infinity" : n < 0 ? "-Infinity" : "NaN";
    }
    default:
      return String(value);
  }
}
