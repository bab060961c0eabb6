import type { Dialect } from "./dialect.js";

/**
 * Warehouse column types derived from JSON Schema, one vocabulary for every loader. Each
 * dialect maps them to its own types (DuckDB: VARCHAR, BIGINT, DOUBLE, BOOLEAN, TIMESTAMPTZ, JSON).
 */
export type ColumnType = "string" | "integer" | "number" | "boolean" | "timestamp" | "json";

/** A property of the records and the column that holds it: two names, one per side. */
export interface ColumnSpec {
  /** The property's name in the records (and in the batch's NDJSON). */
  property: string;
  /** The column's name in the warehouse, by the dialect's naming rule. */
  name: string;
  type: ColumnType;
}

export interface TableSpec {
  stream: string;
  /** The table name, by the dialect's naming rule. */
  table: string;
  columns: ColumnSpec[];
  /** Upsert keys, as property names; empty: rows are appended. */
  keyProperties: string[];
}

/** Metadata columns every loader adds, as Singer targets conventionally do (property names). */
export const SDC_COLUMNS: ReadonlyArray<{ property: string; type: ColumnType }> = [
  { property: "_sdc_extracted_at", type: "timestamp" },
  { property: "_sdc_received_at", type: "timestamp" },
  { property: "_sdc_batched_at", type: "timestamp" },
  { property: "_sdc_sequence", type: "integer" },
];

/** Two properties whose columns would be one: the load stops, naming both. */
export class ColumnCollisionError extends Error {
  constructor(
    readonly first: string,
    readonly second: string,
    readonly column: string,
  ) {
    super(`properties "${first}" and "${second}" would both be the column ${column}; rename one of them`);
  }
}

/** The key columns of a spec, in key order. */
export const keyColumns = (spec: TableSpec): ColumnSpec[] =>
  spec.keyProperties.map((key) => spec.columns.find((c) => c.property === key) as ColumnSpec);

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

/**
 * The table for a SCHEMA message, named by the dialect: columns in schema order, then the _sdc
 * columns. Throws ColumnCollisionError when two properties would be one column.
 */
export function tableSpecFor(
  stream: string,
  schema: Record<string, unknown>,
  keyProperties: string[],
  dialect: Dialect,
): TableSpec {
  const properties = (schema.properties ?? {}) as Record<string, PropertySchema>;
  const columns: ColumnSpec[] = [
    ...Object.entries(properties).map(([property, p]) => ({ property, type: columnType(p) })),
    ...SDC_COLUMNS.filter((c) => !(c.property in properties)),
  ].map(({ property, type }) => ({ property, name: dialect.columnName(property), type }));
  const seen = new Map<string, ColumnSpec>();
  for (const column of columns) {
    const key = dialect.columnKey(column.name);
    const other = seen.get(key);
    if (other) throw new ColumnCollisionError(other.property, column.property, column.name);
    seen.set(key, column);
  }
  return { stream, table: dialect.tableName(stream), columns, keyProperties };
}
