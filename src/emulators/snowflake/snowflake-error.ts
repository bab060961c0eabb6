/**
 * An error as Snowflake reports it: a six-digit code, a SQLSTATE and a message. The server puts
 * it in the body the driver turns into an OperationFailedError (services/sf.js:
 * `createOperationFailedError(body.code, data, body.message, data.sqlState)`), so a client sees
 * `err.code` and `err.sqlState` as against the real service.
 */
export class SnowflakeError extends Error {
  constructor(
    readonly code: string,
    readonly sqlState: string,
    message: string,
  ) {
    super(message);
    this.name = "SnowflakeError";
  }
}

/** Codes the stand-in raises, with Snowflake's SQLSTATE and wording. */
export const SNOWFLAKE_ERRORS = {
  syntax: (detail: string) =>
    new SnowflakeError(
      "001003",
      "42000",
      `SQL compilation error:\nsyntax error line 1 at position 0 ${detail}`,
    ),
  invalidIdentifier: (name: string) =>
    new SnowflakeError(
      "000904",
      "42000",
      `SQL compilation error: error line 1 at position 0\ninvalid identifier '${name}'`,
    ),
  objectMissing: (name: string) =>
    new SnowflakeError(
      "002003",
      "42S02",
      `SQL compilation error:\nObject '${name}' does not exist or not authorized.`,
    ),
  schemaMissing: (name: string) =>
    new SnowflakeError(
      "002003",
      "02000",
      `SQL compilation error:\nSchema '${name}' does not exist or not authorized.`,
    ),
  stageMissing: (name: string) =>
    new SnowflakeError(
      "002003",
      "02000",
      `SQL compilation error:\nStage '${name}' does not exist or not authorized.`,
    ),
  alreadyExists: (name: string) =>
    new SnowflakeError("002002", "42710", `SQL compilation error:\nObject '${name}' already exists.`),
  /** ERROR_ON_NONDETERMINISTIC_MERGE (default TRUE): one target row matched by several source rows. */
  duplicateMergeRow: (values: string) =>
    new SnowflakeError(
      "100090",
      "42P18",
      `Duplicate row detected during DML action\nRow Values: [${values}]`,
    ),
  numericValue: (detail: string) =>
    new SnowflakeError("100038", "22018", `Numeric value '${detail}' is not recognized`),
  timestampValue: (detail: string) =>
    new SnowflakeError("100035", "22007", `Timestamp '${detail}' is not recognized`),
  notNull: () => new SnowflakeError("100072", "22000", "NULL result in a non-nullable column"),
  unsupported: (what: string) =>
    new SnowflakeError(
      "002040",
      "0A000",
      `SQL compilation error:\nUnsupported feature '${what}' (snowflake-local, a DuckDB-backed stand-in, does not implement it).`,
    ),
  bindMissing: (index: number) =>
    new SnowflakeError(
      "002049",
      "42601",
      `SQL compilation error: error line 1 at position 0\nBind variable :${index} not set.`,
    ),
  /** Anything the engine refused that has no closer Snowflake code; DuckDB's message is kept. */
  internal: (detail: string) =>
    new SnowflakeError(
      "000603",
      "XX000",
      `SQL execution internal error:\nProcessing aborted due to error 300002:${detail}`,
    ),
  conflict: (detail: string) =>
    new SnowflakeError(
      "000625",
      "57014",
      `Statement aborted because of a conflicting transaction: ${detail}`,
    ),
} as const;

/**
 * DuckDB's error messages (1.5) mapped to Snowflake's codes, first match wins. The DuckDB text
 * appears only where Snowflake's message names the same thing (a column, an object).
 */
const DUCKDB_ERROR_MAP: ReadonlyArray<[RegExp, (m: RegExpExecArray) => SnowflakeError]> = [
  [/Referenced column "([^"]+)" not found/, (m) => SNOWFLAKE_ERRORS.invalidIdentifier(m[1] ?? "")],
  [
    /Table "[^"]*" does not have a column (?:named|with name) "([^"]+)"/,
    (m) => SNOWFLAKE_ERRORS.invalidIdentifier(m[1] ?? ""),
  ],
  [/Referenced update column (\S+) not found/, (m) => SNOWFLAKE_ERRORS.invalidIdentifier(m[1] ?? "")],
  [/column "([^"]+)" (?:not found|does not exist)/i, (m) => SNOWFLAKE_ERRORS.invalidIdentifier(m[1] ?? "")],
  [/Referenced table "([^"]+)" not found/, (m) => SNOWFLAKE_ERRORS.invalidIdentifier(m[1] ?? "")],
  [/Table with name ([^ ]+) does not exist/, (m) => SNOWFLAKE_ERRORS.objectMissing(m[1] ?? "")],
  [/Schema with name "?([^ "]+)"? does not exist/, (m) => SNOWFLAKE_ERRORS.schemaMissing(m[1] ?? "")],
  [/with name "?([^ "]+)"? already exists/, (m) => SNOWFLAKE_ERRORS.alreadyExists(m[1] ?? "")],
  [/Parser Error: (.*)/, (m) => SNOWFLAKE_ERRORS.syntax(m[1] ?? "")],
  [
    /Could not convert string '([^']*)' to (?:DECIMAL|INT|DOUBLE|FLOAT|BIGINT|HUGEINT)/,
    (m) => SNOWFLAKE_ERRORS.numericValue(m[1] ?? ""),
  ],
  [
    /(?:timestamp|date) field value out of range: "([^"]*)"|invalid timestamp field format: "([^"]*)"/,
    (m) => SNOWFLAKE_ERRORS.timestampValue(m[1] ?? m[2] ?? ""),
  ],
  [/NOT NULL constraint failed/, () => SNOWFLAKE_ERRORS.notNull()],
  [/Transaction conflict|Conflict on/, (m) => SNOWFLAKE_ERRORS.conflict(m.input.split("\n")[0] ?? "")],
];

/** The Snowflake error for something DuckDB threw. */
export function fromDuckDbError(error: unknown): SnowflakeError {
  if (error instanceof SnowflakeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  for (const [pattern, make] of DUCKDB_ERROR_MAP) {
    const match = pattern.exec(message);
    if (match) return make(match);
  }
  return SNOWFLAKE_ERRORS.internal(message.split("\n")[0] ?? message);
}
