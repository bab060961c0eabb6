/**
 * Warehouse column types derived from JSON Schema, one vocabulary for every loader. Each
 * dialect maps them to its own types (DuckDB: VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMPTZ, JSON).
 */
export type ColumnType = "string" | "integer" | "number" | "boolean" | "timestamp" | "json";

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface TableSpec {
  stream: string;
  /** The table name: the stream name, made a safe identifier. */
  table: string;
  columns: ColumnSpec[];
  /** Upsert keys; empty: rows are appended. */
  keyProperties: string[];
}

/** Metadata columns every loader adds, as Singer targets conventionally do. */
export const SDC_COLUMNS: readonly ColumnSpec[] = [
  { name: "_sdc_extracted_at", type: "timestamp" },
  { name: "_sdc_received_at", type: "timestamp" },
  { name: "_sdc_batched_at", type: "timestamp" },
  { name: "_sdc_sequence", type: "integer" },
];

interface PropertySchema {
  type?: string | string[];
  format?: string;
  anyOf?: PropertySchema[];
  oneOf?: PropertySchema[];
}

/** The column type of one JSON Schema property. Nested objects and arrays are JSON. */
export function columnType(property: PropertySchema): ColumnType {
  const variants = property.anyOf ?? property.oneOf;
  if (variants) {
    const types = [...new Set(variants.filter((v) => v.type !== "null").map(columnType))];
    return types.length === 1 ? (types[0] as ColumnType) : types.reduce(widen);
  }
  const declared =
    property.type === undefined ? [] : Array.isArray(property.type) ? property.type : [property.type];
  const types = declared.filter((t) => t !== "null");
  if (types.length === 0) return "json";
  if (types.includes("object") || types.includes("array")) return types.length === 1 ? "json" : "string";
  const mapped = types.map((t): ColumnType => {
    if (t === "string") return property.format === "date-time" ? "timestamp" : "string";
    if (t === "integer") return "integer";
    if (t === "number") return "number";
    if (t === "boolean") return "boolean";
    return "string";
  });
  return mapped.reduce(widen);
}

/** The narrowest type that holds values of both: integer widens to number, anything else to string. */
export function widen(a: ColumnType, b: ColumnType): ColumnType {
  if (a === b) return a;
  if ((a === "integer" && b === "number") || (a === "number" && b === "integer")) return "number";
  return "string";
}

/** A safe, lower-case identifier for a stream or property name. */
export function safeIdentifier(name: string): string {
  const cleaned = name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  const identifier = cleaned || "unnamed";
  return /^[0-9]/.test(identifier) ? `_${identifier}` : identifier;
}

/** The table for a SCHEMA message: columns in schema order, then the _sdc columns. */
export function tableSpecFor(
  stream: string,
  schema: Record<string, unknown>,
  keyProperties: string[],
): TableSpec {
  const properties = (schema.properties ?? {}) as Record<string, PropertySchema>;
  const columns = Object.entries(properties).map(([name, property]) => ({
    name,
    type: columnType(property),
  }));
  return {
    stream,
    table: safeIdentifier(stream),
    columns: [...columns, ...SDC_COLUMNS.filter((c) => !(c.name in properties))],
    keyProperties,
  };
}
