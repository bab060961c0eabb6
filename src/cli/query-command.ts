import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBResultReader,
  type DuckDBType,
  DuckDBTypeId,
} from "@duckdb/node-api";
import { ConfigError, TapError } from "../errors.js";
import { loadTargetSettings, targetByName } from "../loaders/targets.js";

export const QUERY_HELP = `tap-usertesting query: run SQL on the synced DuckDB database (no DuckDB CLI needed)

Usage:
  tap-usertesting query [--database FILE] [--schema NAME] [--target-config FILE]
                        [--format text|csv|json] "SQL"

  --database FILE        the DuckDB file (default: the target settings' database, usertesting.duckdb)
  --schema NAME          schema of the tables (default: the target settings' schema, usertesting)
  --target-config FILE   target-duckdb settings to read database and schema from (as sync does)
  --format FORMAT        text (an aligned table; cells past 60 characters are cut), csv or json

The database is opened read-only, with the schema on the search path: name tables plainly
(FROM tests). Several statements separated by ; run in order, and the last one's result is
printed. Example: tap-usertesting query "SELECT test_type, count(*) FROM tests GROUP BY 1"
`;

export type QueryFormat = "text" | "csv" | "json";
const FORMATS: readonly QueryFormat[] = ["text", "csv", "json"];

/** A database or schema that is busy or gone: not the user's input, so exit 1. */
export class DatabaseUnavailableError extends TapError {
  readonly code = "DATABASE_UNAVAILABLE";
}

const q = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * DuckDB's message as one paragraph: its own lines joined, without the echo of the statement
 * and the caret under it ("LINE 1: ...", "   ^"), which only read well in a terminal.
 */
export function duckDbMessage(error: unknown): string {
  return String((error as Error)?.message ?? error)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && line !== "^" && !/^LINE \d+:/.test(line))
    .join(" ");
}

/** A statement's result: column names and types, and rows of DuckDB's JavaScript values. */
export interface QueryResult {
  columns: string[];
  types: DuckDBType[];
  rows: unknown[][];
  /** The same rows in DuckDB's JSON-friendly form (timestamps as text, lists as arrays). */
  jsonRows: unknown[][];
}

/**
 * One read-only connection to a synced database, with the tap's schema on the search path so
 * `FROM tests` works. The catalog is the file's name, so with the default file and schema
 * `usertesting.tests` is ambiguous for DuckDB; plain names, or `catalog.schema.table`, are not.
 */
export class QuerySession {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    /** The catalog DuckDB named after the file ("usertesting" for usertesting.duckdb). */
    readonly catalog: string,
    readonly schema: string,
  ) {}

  static async open(database: string, schema: string): Promise<QuerySession> {
    if (database === ":memory:")
      throw new ConfigError("--database is :memory:, which holds nothing to query: name the DuckDB file.");
    if (!existsSync(database))
      throw new ConfigError(
        `There is no database at ${database}. Sync first (tap-usertesting sync, or npm run demo), or name the file with --database.`,
      );
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(database, { access_mode: "READ_ONLY" });
    } catch (error) {
      const message = duckDbMessage(error);
      if (/Could not set lock/i.test(message))
        throw new DatabaseUnavailableError(
          `${database} is open for writing in another process (a sync still running?); query it when that has finished. DuckDB: ${message}`,
        );
      // DuckDB opens a file it recognises by extension (.csv, .json) as a view in an in-memory database, which read-only mode refuses.
      const reason = /in-memory database in read-only mode/.test(message)
        ? "DuckDB reads it as a data file, not a database"
        : message;
      throw new ConfigError(`${database} is not a DuckDB database that can be opened (${reason}).`);
    }
    const connection = await instance.connect();
    const catalog = String((await connection.runAndReadAll("SELECT current_database()")).getRows()[0]?.[0]);
    const schemas = (
      await connection.runAndReadAll(
        "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = $1 ORDER BY 1",
        [catalog],
      )
    )
      .getRows()
      .map((row) => String(row[0]));
    if (!schemas.includes(schema)) {
      connection.closeSync();
      instance.closeSync();
      throw new ConfigError(
        `${database} has no schema ${schema} (it has ${schemas.join(", ")}). Name the schema of the tables with --schema.`,
      );
    }
    await connection.run(`USE ${q(catalog)}.${q(schema)}`);
    return new QuerySession(instance, connection, catalog, schema);
  }

  /** Runs every statement of `sql` in order; the last one's result, or null when it has no columns. */
  async run(sql: string): Promise<QueryResult | null> {
    // DuckDB's bindings fail "in native callback" on SQL that holds no statement (blank, comments, ";").
    const noStatement = new ConfigError("The SQL holds no statement to run.");
    let result: DuckDBResultReader | undefined;
    try {
      const statements = await this.connection.extractStatements(sql).catch((error: Error) => {
        throw /native callback/.test(error.message) ? noStatement : error;
      });
      if (statements.count === 0) throw noStatement;
      for (let i = 0; i < statements.count; i++) result = await (await statements.prepare(i)).runAndReadAll();
    } catch (error) {
      if (error instanceof TapError) throw error;
      throw new ConfigError(`The query failed: ${await this.explain(duckDbMessage(error))}`);
    }
    if (!result || result.columnCount === 0) return null;
    return {
      columns: result.columnNames(),
      types: result.columnTypes(),
      rows: result.getRows(),
      jsonRows: result.getRowsJson(),
    };
  }

  /** DuckDB's message, with what would help: the tables there are, or why writes are refused. */
  private async explain(message: string): Promise<string> {
    // Ended as a sentence, so that a hint can follow.
    const cleaned = message.replace(/^Failed to extract statements: /, "").replace(/([^.!?])$/, "$1.");
    if (/Ambiguous reference to catalog or schema/.test(cleaned))
      return `${cleaned} The query command puts schema ${this.schema} on the search path: name tables plainly (FROM tests), or in full (${this.catalog}.${this.schema}.tests).`;
    if (/read-only mode/.test(cleaned))
      return `${cleaned} The query command opens the database read-only; change data with the DuckDB CLI (install it from duckdb.org).`;
    if (/^Catalog Error: Table with name/.test(cleaned)) {
      const tables = (
        await this.connection.runAndReadAll(
          "SELECT table_name FROM information_schema.tables WHERE table_catalog = $1 AND table_schema = $2 ORDER BY 1",
          [this.catalog, this.schema],
        )
      )
        .getRows()
        .map((row) => String(row[0]));
      return `${cleaned} Tables in schema ${this.schema}: ${tables.join(", ") || "none"}.`;
    }
    return cleaned;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

const isJsonType = (type: DuckDBType): boolean => type.alias === "JSON";

/** Columns a character takes in a terminal: 0 for combining marks, 2 for East Asian wide ones. */
function charWidth(char: string): number {
  const code = char.codePointAt(0) ?? 0;
  if (/\p{M}|\u200b|\u200d|\ufe0f/u.test(char)) return 0;
  const wide =
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd);
  return wide ? 2 : 1;
}

const textWidth = (text: string): number => [...text].reduce((sum, c) => sum + charWidth(c), 0);

/** `text` cut to `max` columns, with an ellipsis when something was cut. */
function truncateToWidth(text: string, max: number): string {
  if (textWidth(text) <= max) return text;
  let out = "";
  let width = 0;
  for (const c of text) {
    if (width + charWidth(c) > max - 1) break;
    out += c;
    width += charWidth(c);
  }
  return `${out}…`;
}

const MAX_CELL = 60;

function textCell(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  return truncateToWidth(String(value).replace(/\r?\n/g, "\\n").replace(/\t/g, " "), MAX_CELL);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A value for JSON output: integers as numbers while exact, JSON columns parsed. */
function jsonValue(raw: unknown, json: unknown, type: DuckDBType): unknown {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "bigint") return Number.isSafeInteger(Number(raw)) ? Number(raw) : raw.toString();
  if (isJsonType(type) && typeof raw === "string") {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return json;
}

/** A result as an aligned text table (numbers right-aligned, a row count), CSV or JSON. */
export function formatResult(result: QueryResult, format: QueryFormat): string {
  const { columns, types, rows } = result;
  if (format === "csv")
    return `${[columns, ...rows].map((row) => row.map((v) => csvCell(v)).join(",")).join("\n")}\n`;
  if (format === "json") {
    const objects = result.jsonRows.map((jsonRow, r) =>
      Object.fromEntries(
        columns.map((name, i) => [name, jsonValue(rows[r]?.[i], jsonRow[i], types[i] as DuckDBType)]),
      ),
    );
    return `${JSON.stringify(objects, null, 2)}\n`;
  }
  const cells = rows.map((row) => row.map(textCell));
  const header = columns.map((c) => truncateToWidth(c, MAX_CELL));
  const widths = header.map((h, i) => Math.max(textWidth(h), ...cells.map((row) => textWidth(row[i] ?? ""))));
  const right = types.map((t) => NUMERIC.has(t.typeId));
  const pad = (text: string, i: number): string => {
    const space = " ".repeat((widths[i] ?? 0) - textWidth(text));
    return right[i] ? space + text : text + space;
  };
  const line = (row: string[]): string => row.map(pad).join("  ").trimEnd();
  return `${[
    line(header),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.map(line),
    `(${rows.length} ${rows.length === 1 ? "row" : "rows"})`,
  ].join("\n")}\n`;
}

/** `tap-usertesting query ...`: prints the result of the SQL on stdout. */
export async function queryCommand(args: string[]): Promise<number> {
  let parsed: { values: Record<string, string | string[] | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        database: { type: "string" },
        schema: { type: "string" },
        "target-config": { type: "string", multiple: true },
        format: { type: "string", default: "text" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run tap-usertesting query --help for the options.`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(QUERY_HELP);
    return 0;
  }
  const format = String(values.format) as QueryFormat;
  if (!FORMATS.includes(format))
    throw new ConfigError(`--format must be text, csv or json, not '${String(values.format)}'.`);
  if (positionals.length !== 1)
    throw new ConfigError(
      `${positionals.length === 0 ? "Give the SQL to run" : `Give the SQL as one argument, in quotes (got ${positionals.length} arguments)`}: tap-usertesting query "SELECT * FROM tests LIMIT 5". Run tap-usertesting query --help for the options.`,
    );
  const settings = loadTargetSettings(
    targetByName("duckdb"),
    (values["target-config"] as string[] | undefined) ?? [],
  );
  const database = (values.database as string | undefined) ?? String(settings.database);
  const schema = (values.schema as string | undefined) ?? String(settings.schema);
  const session = await QuerySession.open(database, schema);
  try {
    const result = await session.run(positionals[0] as string);
    // A reader that stops early (`| head`) closes the pipe: that is the reader's choice, not an error.
    process.stdout.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
    });
    if (result) process.stdout.write(formatResult(result, format));
  } finally {
    session.close();
  }
  return 0;
}
