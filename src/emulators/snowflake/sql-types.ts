import { type DuckDBType, DuckDBTypeId } from "@duckdb/node-api";

/**
 * Snowflake's type names (docs: "SQL data types reference") and the DuckDB type each is stored
 * as. NUMBER without arguments is NUMBER(38,0); INT and its synonyms are NUMBER(38,0) too (not a
 * 32- or 64-bit integer: Snowflake has only NUMBER). FLOAT and its synonyms are 64-bit. VARIANT,
 * OBJECT and ARRAY become DuckDB's JSON. TIMESTAMP_TZ becomes TIMESTAMPTZ, an instant: DuckDB
 * keeps no offset, so values come back in UTC where Snowflake would keep the offset written.
 */
const SNOWFLAKE_TO_DUCKDB: Record<string, (args: string[]) => string> = {
  NUMBER: (args) => decimal(args),
  NUMERIC: (args) => decimal(args),
  DECIMAL: (args) => decimal(args),
  INT: () => "DECIMAL(38,0)",
  INTEGER: () => "DECIMAL(38,0)",
  BIGINT: () => "DECIMAL(38,0)",
  SMALLINT: () => "DECIMAL(38,0)",
  TINYINT: () => "DECIMAL(38,0)",
  BYTEINT: () => "DECIMAL(38,0)",
  FLOAT: () => "DOUBLE",
  FLOAT4: () => "DOUBLE",
  FLOAT8: () => "DOUBLE",
  DOUBLE: () => "DOUBLE",
  REAL: () => "DOUBLE",
  VARCHAR: () => "VARCHAR",
  STRING: () => "VARCHAR",
  TEXT: () => "VARCHAR",
  CHAR: () => "VARCHAR",
  CHARACTER: () => "VARCHAR",
  NVARCHAR: () => "VARCHAR",
  BINARY: () => "BLOB",
  VARBINARY: () => "BLOB",
  BOOLEAN: () => "BOOLEAN",
  DATE: () => "DATE",
  TIME: () => "TIME",
  DATETIME: () => "TIMESTAMP",
  TIMESTAMP: () => "TIMESTAMP",
  TIMESTAMP_NTZ: () => "TIMESTAMP",
  TIMESTAMP_LTZ: () => "TIMESTAMPTZ",
  TIMESTAMP_TZ: () => "TIMESTAMPTZ",
  VARIANT: () => "JSON",
  OBJECT: () => "JSON",
  ARRAY: () => "JSON",
};

function decimal(args: string[]): string {
  const [precision = "38", scale = "0"] = args;
  return `DECIMAL(${precision},${scale})`;
}

/** The DuckDB type for a Snowflake type name and its arguments, or undefined when it is not one. */
export function duckDbTypeFor(name: string, args: string[] = []): string | undefined {
  return SNOWFLAKE_TO_DUCKDB[name.toUpperCase()]?.(args);
}

export const isSnowflakeType = (name: string): boolean =>
  Object.hasOwn(SNOWFLAKE_TO_DUCKDB, name.toUpperCase());

/** Types whose value `$1:path::TYPE` extracts as text before the cast (everything but VARIANT). */
export const isVariantType = (name: string): boolean =>
  ["VARIANT", "OBJECT", "ARRAY"].includes(name.toUpperCase());

/** One column of a result as the driver reads it (connection/result/column.js). */
export interface RowType {
  name: string;
  /** Lower case, as Snowflake sends it: fixed, real, text, boolean, date, time, timestamp_tz, variant… */
  type: string;
  precision: number | null;
  scale: number | null;
  length: number | null;
  byteLength: number | null;
  nullable: boolean;
  database: string;
  schema: string;
  table: string;
  collation: null;
}

/** 16 MB: the length Snowflake reports for VARCHAR without a length. */
const MAX_TEXT = 16_777_216;

/** Snowflake's view of a DuckDB result column: its wire type, precision and scale. */
export function wireTypeOf(type: DuckDBType): Pick<RowType, "type" | "precision" | "scale" | "length"> {
  const alias = (type as { alias?: string }).alias;
  if (alias === "JSON") return { type: "variant", precision: null, scale: null, length: null };
  switch (type.typeId) {
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as unknown as { width: number; scale: number };
      return { type: "fixed", precision: width, scale, length: null };
    }
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return { type: "fixed", precision: 38, scale: 0, length: null };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return { type: "real", precision: null, scale: null, length: null };
    case DuckDBTypeId.BOOLEAN:
      return { type: "boolean", precision: null, scale: null, length: null };
    case DuckDBTypeId.DATE:
      return { type: "date", precision: null, scale: null, length: null };
    case DuckDBTypeId.TIME:
      return { type: "time", precision: 0, scale: 9, length: null };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return { type: "timestamp_ntz", precision: 0, scale: 9, length: null };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { type: "timestamp_tz", precision: 0, scale: 9, length: null };
    case DuckDBTypeId.BLOB:
      return { type: "binary", precision: null, scale: null, length: 8_388_608 };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return { type: "variant", precision: null, scale: null, length: null };
    default:
      return { type: "text", precision: null, scale: null, length: MAX_TEXT };
  }
}

/**
 * The Snowflake spelling of a DuckDB column type, as INFORMATION_SCHEMA.COLUMNS.DATA_TYPE and
 * DESCRIBE TABLE show it. The case expression works on DuckDB's information_schema data_type.
 */
export const SNOWFLAKE_DATA_TYPE_SQL = `CASE
  WHEN data_type LIKE 'DECIMAL%' OR data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT') THEN 'NUMBER'
  WHEN data_type IN ('DOUBLE','FLOAT') THEN 'FLOAT'
  WHEN data_type = 'VARCHAR' THEN 'TEXT'
  WHEN data_type = 'JSON' THEN 'VARIANT'
  WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_TZ'
  WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ'
  WHEN data_type = 'BLOB' THEN 'BINARY'
  ELSE data_type END`;

/** DESCRIBE TABLE's `type` column: with precision and length, as Snowflake prints it. */
export const SNOWFLAKE_FULL_TYPE_SQL = `CASE
  WHEN data_type LIKE 'DECIMAL%' THEN 'NUMBER(' || numeric_precision || ',' || numeric_scale || ')'
  WHEN data_type IN ('TINYINT','SMALLINT','INTEGER','BIGINT','HUGEINT') THEN 'NUMBER(38,0)'
  WHEN data_type IN ('DOUBLE','FLOAT') THEN 'FLOAT'
  WHEN data_type = 'VARCHAR' THEN 'VARCHAR(16777216)'
  WHEN data_type = 'JSON' THEN 'VARIANT'
  WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_TZ(9)'
  WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ(9)'
  WHEN data_type = 'BLOB' THEN 'BINARY(8388608)'
  ELSE data_type END`;
