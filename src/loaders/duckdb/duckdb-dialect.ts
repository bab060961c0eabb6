import { safeIdentifier } from "../core/columns.js";
import type { Dialect } from "../core/dialect.js";

/**
 * DuckDB's names and types: tables are safe lower-case identifiers, columns keep the property's
 * name (quoted), and names are compared without case, as DuckDB does even for quoted ones. Every
 * widening of the shared vocabulary (integer to double, anything to text) is an ALTER ... TYPE.
 */
export const DUCKDB_DIALECT: Dialect = {
  tableName: safeIdentifier,
  columnName: (property) => property,
  columnKey: (column) => column.toLowerCase(),
  widensInPlace: () => true,
};
