import { type ColumnType, safeIdentifier } from "../core/columns.js";
import type { Dialect } from "../core/dialect.js";

/**
 * BigQuery's names: letters, digits and underscores, not starting with a digit, compared without
 * case. One normalisation for tables and columns: lower case, every other character an
 * underscore, a leading digit prefixed with one (`Finish Time` → `finish_time`, `2fa` → `_2fa`).
 * Two properties that normalise alike collide. In place, BigQuery widens INT64 to FLOAT64
 * (ALTER COLUMN SET DATA TYPE); no other change of the shared vocabulary, so those follow the
 * core's replace rule.
 */
export const BIGQUERY_DIALECT: Dialect = {
  tableName: safeIdentifier,
  columnName: safeIdentifier,
  columnKey: (column) => column.toLowerCase(),
  widensInPlace: (from: ColumnType, to: ColumnType) => from === "integer" && to === "number",
};
