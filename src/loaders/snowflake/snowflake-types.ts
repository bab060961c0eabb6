import type { ColumnType } from "../core/columns.js";

/** Snowflake types of the shared column vocabulary. NUMBER(38,0) holds every integer JSON can. */
export const SNOWFLAKE_TYPE: Record<ColumnType, string> = {
  string: "VARCHAR",
  integer: "NUMBER(38,0)",
  number: "FLOAT",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP_TZ",
  json: "VARIANT",
};

/** The column type an existing Snowflake column holds (information_schema.columns.data_type, numeric_scale). */
export function columnTypeOf(dataType: string, numericScale: unknown): ColumnType {
  const t = dataType.toUpperCase();
  if (
    t === "NUMBER" ||
    t === "DECIMAL" ||
    t === "NUMERIC" ||
    t === "INT" ||
    t === "INTEGER" ||
    t === "BIGINT"
  )
    return numericScale === null || numericScale === undefined || Number(numericScale) === 0
      ? "integer"
      : "number";
  if (t === "FLOAT" || t === "DOUBLE" || t === "REAL") return "number";
  if (t === "BOOLEAN") return "boolean";
  if (t.startsWith("TIMESTAMP")) return "timestamp";
  if (t === "VARIANT" || t === "OBJECT" || t === "ARRAY") return "json";
  return "string";
}
