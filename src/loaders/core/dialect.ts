import type { ColumnType } from "./columns.js";

/**
 * What a warehouse decides about names and types, as data the core works with. Each loader
 * declares one; the core does the rest (naming every column, diffing a table with a SCHEMA,
 * deciding which change a table needs).
 */
export interface Dialect {
  /** The table a stream loads into (a bare name; quoting is the loader's). */
  tableName(stream: string): string;
  /** The column a property loads into: one rule per warehouse. */
  columnName(property: string): string;
  /**
   * What makes two column names the same column in this warehouse (DuckDB and BigQuery compare
   * names without case, even quoted): properties whose columns share it collide.
   */
  columnKey(column: string): string;
  /** Whether an existing column of type `from` can become `to` in place (ALTER ... TYPE). */
  widensInPlace(from: ColumnType, to: ColumnType): boolean;
}
