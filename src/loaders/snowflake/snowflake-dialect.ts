import { safeIdentifier } from "../core/columns.js";
import type { Dialect } from "../core/dialect.js";

/**
 * Snowflake's names: upper case, and always quoted. Unquoted identifiers fold to upper case in
 * Snowflake, so users query the tables unquoted (`select session_id from sessions`), while the
 * quotes keep reserved words (ORDER, GROUP, START) and odd characters safe. Tables are the
 * stream made a safe identifier; columns keep the property's characters. Quoted names are exact,
 * so two columns are one only when their names are equal. Snowflake cannot change NUMBER to
 * FLOAT or anything to VARCHAR in place: every widening follows the core's replace rule.
 */
export const SNOWFLAKE_DIALECT: Dialect = {
  tableName: (stream) => safeIdentifier(stream).toUpperCase(),
  columnName: (property) => property.toUpperCase(),
  columnKey: (column) => column,
  widensInPlace: () => false,
};
