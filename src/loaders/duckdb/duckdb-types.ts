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
