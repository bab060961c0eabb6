import type { ColumnType } from "../core/columns.js";

/** BigQuery types of the shared column vocabulary. */
export const BIGQUERY_TYPE: Record<ColumnType, string> = {
  string: "STRING",
  integer: "INT64",
  number: "FLOAT64",
  boolean: "BOOL",
  timestamp: "TIMESTAMP",
  json: "JSON",
};

/** The column type of an existing BigQuery field (tables.get schema.fields[].type, legacy names too). */
export function columnTypeOf(type: string): ColumnType {
  const t = type.toUpperCase();
  if (t === "INT64" || t === "INTEGER") return "integer";
  if (t === "FLOAT64" || t === "FLOAT" || t === "NUMERIC" || t === "BIGNUMERIC") return "number";
  if (t === "BOOL" || t === "BOOLEAN") return "boolean";
  if (t === "TIMESTAMP") return "timestamp";
  if (t === "JSON" || t === "RECORD" || t === "STRUCT") return "json";
  return "string";
}
