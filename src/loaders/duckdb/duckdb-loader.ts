import { mkdtempSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import { type ColumnSpec, type ColumnType, keyColumns, type TableSpec } from "../core/columns.js";
import type { Loader } from "../core/loader.js";
import type { RecordBatch } from "../core/record-batch.js";
import type { TablePlan } from "../core/schema-evolution.js";
import { removeStaleStagingDirs, stagingDirPrefix } from "../core/staging-dirs.js";
import { LoaderError, TargetInputError } from "../core/target-errors.js";
import { assertDatabasePath, describeDatabasePath, IN_MEMORY, notADatabaseMessage } from "./database-file.js";
import { DUCKDB_DIALECT } from "./duckdb-dialect.js";
import { columnTypeOf, DUCKDB_TYPE } from "./duckdb-types.js";

export interface DuckDbLoaderOptions {
  /** Database file; ":memory:" for a throwaway database. */
  database: string;
  schema: string;
  logger: Logger;
  /** DuckDB's memory_limit. @default "256MB" */
  memoryLimit?: string;
}

const q = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** read_json's default bound on one object; raised per batch when a line is longer. */
const DEFAULT_MAXIMUM_OBJECT_SIZE = 16 * 1024 * 1024;

/** What fills each _sdc column when the record has no value of its own (see RecordBatch). */
const SDC_FALLBACK: Record<string, (batch: RecordBatch) => string> = {
  _sdc_extracted_at: () => "m.time_extracted",
  _sdc_received_at: () => "r",
  _sdc_batched_at: (batch) => `TIMESTAMPTZ ${literal(batch.batchedAt)}`,
  _sdc_sequence: () => "q",
};

/** A batch staged for DuckDB: its NDJSON file, which read_json reads in the merge. */
interface StagedFile {
  batch: RecordBatch;
  path: string;
}

/** DuckDB's own words for a database file another process holds: worth another try. */
const TRANSIENT = /Could not set lock on file|Conflicting lock is held|database is locked/i;

/**
 * The DuckDB dialect: each batch is written as an NDJSON file and loaded by one statement
 * that reads it with read_json and explicit column types (DuckDB parses and converts on all
 * cores, with no value crossing from JavaScript) and merges it into the table: a MERGE on the
 * keys, the record that arrived last winning, or an INSERT when the stream has no keys.
 */
export class DuckDbLoader implements Loader<StagedFile> {
  readonly name = "duckdb";
  readonly dialect = DUCKDB_DIALECT;
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  /** The database's catalog name: with a file named like the schema, "schema.table" is ambiguous. */
  private catalog = "";
  /** Where batches wait as NDJSON files for read_json; made on first use, removed on close. */
  private stagingDir: string | undefined;
  /** Tables known to hold no rows: their first batch is inserted, with no join against the table. */
  private readonly empty = new Set<string>();

  constructor(private readonly options: DuckDbLoaderOptions) {}

  private get con(): DuckDBConnection {
    if (!this.connection) throw new LoaderError("DuckDB loader used before connect()");
    return this.connection;
  }

  private async run(sql: string): Promise<void> {
    try {
      await this.con.run(sql);
    } catch (error) {
      throw new LoaderError(`DuckDB refused a statement: ${(error as Error).message}`, sql);
    }
  }

  async connect(): Promise<void> {
    const { database } = this.options;
    assertDatabasePath(database);
    try {
      // A bounded buffer pool: the loader's memory must not grow with the size of the tables.
      this.instance = await DuckDBInstance.create(this.options.database, {
        memory_limit: this.options.memoryLimit ?? "256MB",
      });
      this.connection = await this.instance.connect();
    } catch (error) {
      throw new LoaderError(
        `Cannot open the DuckDB database ${this.options.database}: ${(error as Error).message}`,
      );
    }
    const reader = await this.con.runAndReadAll(
      "SELECT database_name, path FROM duckdb_databases() WHERE database_name = current_database()",
    );
    const [catalog, path] = reader.getRows()[0] ?? [];
    this.catalog = String(catalog);
    // Should the file have changed since it was checked: only a file-backed database keeps data.
    if (database !== IN_MEMORY && (path === null || path === undefined)) {
      await this.close();
      throw new ConfigError(notADatabaseMessage(database, "a file DuckDB opened as an in-memory database"));
    }
    await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(this.catalog)}.${q(this.options.schema)}`);
    // A loader killed mid-flush leaves its staging folder: the next run removes it.
    for (const dir of removeStaleStagingDirs(tmpdir(), "target-duckdb"))
      this.options.logger.info(`Removed the staging folder of an interrupted run: ${dir}`);
  }

  private target(spec: TableSpec): string {
    return `${q(this.catalog)}.${q(this.options.schema)}.${q(spec.table)}`;
  }

  async describeTable(table: string): Promise<Map<string, ColumnType> | null> {
    const reader = await this.con.runAndReadAll(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3 ORDER BY ordinal_position",
      [this.catalog, this.options.schema, table],
    );
    const rows = reader.getRows();
    if (rows.length === 0) return null;
    return new Map(rows.map(([name, type]) => [String(name), columnTypeOf(String(type))]));
  }

  async applyPlan({ spec, changes }: TablePlan): Promise<void> {
    const table = this.target(spec);
    for (const change of changes) {
      switch (change.kind) {
        case "create": {
          const columns = change.columns.map((c) => `${q(c.name)} ${DUCKDB_TYPE[c.type]}`).join(", ");
          await this.run(`CREATE TABLE IF NOT EXISTS ${table} (${columns})`);
          break;
        }
        case "add":
          await this.run(
            `ALTER TABLE ${table} ADD COLUMN ${q(change.column.name)} ${DUCKDB_TYPE[change.column.type]}`,
          );
          break;
        case "widen":
          await this.run(
            `ALTER TABLE ${table} ALTER COLUMN ${q(change.column)} TYPE ${DUCKDB_TYPE[change.to]}`,
          );
          break;
        case "replace":
          await this.run(`ALTER TABLE ${table} RENAME COLUMN ${q(change.column)} TO ${q(change.keptAs)}`);
          await this.run(`ALTER TABLE ${table} ADD COLUMN ${q(change.column)} ${DUCKDB_TYPE[change.to]}`);
          await this.run(
            `UPDATE ${table} SET ${q(change.column)} = CAST(${q(change.keptAs)} AS ${DUCKDB_TYPE[change.to]})`,
          );
          break;
      }
    }
    const rows = await this.con.runAndReadAll(`SELECT EXISTS (SELECT 1 FROM ${table})`);
    if (rows.getRows()[0]?.[0] === false) this.empty.add(spec.table);
    else this.empty.delete(spec.table);
  }

  async begin(): Promise<void> {
    await this.run("BEGIN TRANSACTION");
  }

  private stagingFile(spec: TableSpec): string {
    this.stagingDir ??= mkdtempSync(join(tmpdir(), stagingDirPrefix("target-duckdb")));
    return join(this.stagingDir, `${spec.table}.ndjson`);
  }

  async stage(batch: RecordBatch): Promise<StagedFile> {
    const path = this.stagingFile(batch.spec);
    try {
      await writeFile(path, batch.ndjson);
      return { batch, path };
    } catch (error) {
      throw new LoaderError(
        `Cannot write the staging file for ${batch.spec.table} in ${tmpdir()} (set TMPDIR to a folder with room): ${(error as Error).message}`,
      );
    }
  }

  /** The batch file as rows of the table: typed by read_json, _sdc columns filled in. */
  private batchRows({ batch, path }: StagedFile, columns: readonly ColumnSpec[]): string {
    const record = columns.map((c) => `${q(c.property)} ${DUCKDB_TYPE[c.type]}`).join(", ");
    const types = `{q: 'BIGINT', r: 'TIMESTAMPTZ', m: ${literal(`STRUCT(record STRUCT(${record}), time_extracted TIMESTAMPTZ)`)}}`;
    const values = columns.map((c) => {
      const value = `m.record.${q(c.property)}`;
      const fallback = SDC_FALLBACK[c.property]?.(batch);
      return fallback
        ? `COALESCE(${value}, CAST(${fallback} AS ${DUCKDB_TYPE[c.type]})) AS ${q(c.name)}`
        : `${value} AS ${q(c.name)}`;
    });
    const maximumObjectSize = Math.max(DEFAULT_MAXIMUM_OBJECT_SIZE, batch.largestLine + 1);
    return `SELECT ${values.join(", ")} FROM read_json(${literal(path)}, format = 'newline_delimited', compression = 'uncompressed', maximum_object_size = ${maximumObjectSize}, columns = ${types})`;
  }

  async merge(staged: StagedFile): Promise<void> {
    try {
      await this.mergeBatch(staged);
    } catch (error) {
      throw this.recordError(staged, error);
    }
  }

  async cleanup(staged: StagedFile): Promise<void> {
    await rm(staged.path, { force: true });
  }

  isTransient(error: unknown): boolean {
    return TRANSIENT.test(String((error as Error)?.message ?? error));
  }

  /**
   * A record DuckDB cannot read (an integer past 64 bits, a duplicate key, a lone surrogate:
   * things JSON.parse lets through) is bad input: name its input line, not the staging file's.
   */
  private recordError({ batch, path }: StagedFile, error: unknown): unknown {
    const message = (error as Error).message ?? "";
    const match = /(Malformed JSON )?in file "([^"]*)", (?:at byte \d+ )?in line (\d+): ([^\n]*)/.exec(
      message,
    );
    // DuckDB 1.5 counts a malformed line one past itself; a record it cannot convert, exactly.
    const index = match ? Number(match[3]) - (match[1] ? 2 : 1) : -1;
    const inputLine = batch.inputLines[index];
    if (!match || match[2] !== path || inputLine === undefined) return error;
    return new TargetInputError(
      inputLine,
      batch.spec.stream,
      `DuckDB cannot load the record (${(match[4] as string).trim().replace(/\.$/, "")})`,
    );
  }

  private async mergeBatch(staged: StagedFile): Promise<void> {
    const { spec } = staged.batch;
    const names = spec.columns.map((c) => q(c.name));
    const rows = this.batchRows(staged, spec.columns);
    const insert = `INSERT INTO ${this.target(spec)} (${names.join(", ")})`;
    const key = keyColumns(spec);
    const keys = key.map((c) => q(c.name));
    // Forgotten before the statement: after a rollback the table may be empty, never the reverse.
    const wasEmpty = this.empty.delete(spec.table);
    if (keys.length === 0) {
      await this.run(`${insert} ${rows}`);
    } else {
      // Within the batch the last arrival (q) wins; MERGE needs each key at most once.
      const latest = `${rows} QUALIFY row_number() OVER (PARTITION BY ${key.map((c) => `m.record.${q(c.property)}`).join(", ")} ORDER BY q DESC) = 1`;
      const on = keys.map((k) => `t.${k} IS NOT DISTINCT FROM s.${k}`).join(" AND ");
      const set = names.map((n) => `${n} = s.${n}`).join(", ");
      await this.run(
        wasEmpty
          ? `${insert} ${latest}`
          : `MERGE INTO ${this.target(spec)} AS t USING (${latest}) AS s ON (${on}) ` +
              `WHEN MATCHED THEN UPDATE SET ${set} ` +
              `WHEN NOT MATCHED THEN INSERT (${names.join(", ")}) VALUES (${names.map((n) => `s.${n}`).join(", ")})`,
      );
    }
  }

  async commit(): Promise<void> {
    await this.run("COMMIT");
    this.assertOnDisk();
  }

  /**
   * A commit is only as durable as the file it went to: a database file deleted or replaced
   * under a running load takes commits DuckDB reports as done, and loses them on close. So
   * every commit checks that the file is still there, and a DuckDB file; if not, the commit
   * fails and the core passes on no STATE for its rows.
   */
  private assertOnDisk(): void {
    const { database } = this.options;
    if (database === IN_MEMORY) return;
    const what = describeDatabasePath(database);
    if (what === null) return;
    throw new LoaderError(
      `The DuckDB database file ${database} ${what === "missing" ? "is gone" : `is now ${what}`} after a commit: the rows of this batch are not on disk, so no state is passed on for them. Was the file deleted or replaced during the load? Run again once the file is left alone; the run resumes from the last state passed on.`,
    );
  }

  async rollback(): Promise<void> {
    await this.run("ROLLBACK");
  }

  async close(): Promise<void> {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
    if (this.stagingDir) rmSync(this.stagingDir, { recursive: true, force: true });
    this.stagingDir = undefined;
  }
}
