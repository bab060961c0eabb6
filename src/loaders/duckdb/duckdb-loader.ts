import { type DuckDBConnection, DuckDBDataChunk, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import type { Logger } from "../../log/logger.js";
import { type ColumnSpec, type ColumnType, type TableSpec, widen } from "../core/columns.js";
import type { Loader, RowValues } from "../core/loader.js";
import { LoaderError } from "../core/target-errors.js";
import { columnTypeOf, DUCKDB_TYPE, STAGING_TYPE, toStagingValue } from "./duckdb-types.js";

export interface DuckDbLoaderOptions {
  /** Database file; ":memory:" for a throwaway database. */
  database: string;
  schema: string;
  logger: Logger;
  /** DuckDB's memory_limit. @default "256MB" */
  memoryLimit?: string;
}

const q = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/** Rows per data chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/** One column of a chunk of rows as staging values. */
function convertColumn(
  type: ColumnType,
  rows: readonly RowValues[],
  column: number,
  offset: number,
  count: number,
): DuckDBValue[] {
  const out = new Array<DuckDBValue>(count);
  for (let r = 0; r < count; r++) out[r] = toStagingValue(type, (rows[offset + r] as RowValues)[column]);
  return out;
}

/**
 * The DuckDB dialect: each batch goes through the Appender (DuckDBDataChunkWriter) into a
 * temporary staging table, then into the table with one MERGE (upsert on the keys, the
 * latest _sdc_sequence winning) or one INSERT (no keys). Measured here, the Appender runs
 * about twice as fast as read_json and thirty times parameterised INSERTs.
 */
export class DuckDbLoader implements Loader {
  readonly name = "duckdb";
  private instance: DuckDBInstance | undefined;
  private connection: DuckDBConnection | undefined;
  /** The database's catalog name: with a file named like the schema, "schema.table" is ambiguous. */
  private catalog = "";
  /** The effective spec of each table after evolution (types as the table has them). */
  private readonly tables = new Map<string, TableSpec>();

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
    const reader = await this.con.runAndReadAll("SELECT current_database()");
    this.catalog = String(reader.getRows()[0]?.[0]);
    await this.run(`CREATE SCHEMA IF NOT EXISTS ${q(this.catalog)}.${q(this.options.schema)}`);
  }

  private target(spec: TableSpec): string {
    return `${q(this.catalog)}.${q(this.options.schema)}.${q(spec.table)}`;
  }

  async ensureTable(spec: TableSpec): Promise<void> {
    const reader = await this.con.runAndReadAll(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = $1 AND table_schema = $2 AND table_name = $3 ORDER BY ordinal_position",
      [this.catalog, this.options.schema, spec.table],
    );
    const existing = new Map(
      reader.getRows().map(([name, type]) => [String(name), columnTypeOf(String(type))]),
    );
    if (existing.size === 0) {
      const columns = spec.columns.map((c) => `${q(c.name)} ${DUCKDB_TYPE[c.type]}`).join(", ");
      await this.run(`CREATE TABLE IF NOT EXISTS ${this.target(spec)} (${columns})`);
      this.tables.set(spec.table, spec);
      return;
    }
    const columns: ColumnSpec[] = [];
    for (const column of spec.columns) {
      const current = existing.get(column.name);
      if (current === undefined) {
        await this.run(
          `ALTER TABLE ${this.target(spec)} ADD COLUMN ${q(column.name)} ${DUCKDB_TYPE[column.type]}`,
        );
        columns.push(column);
        continue;
      }
      const type = widen(current, column.type);
      if (type !== current) {
        await this.run(
          `ALTER TABLE ${this.target(spec)} ALTER COLUMN ${q(column.name)} TYPE ${DUCKDB_TYPE[type]}`,
        );
        this.options.logger.info(
          `${spec.table}.${column.name}: widened from ${DUCKDB_TYPE[current]} to ${DUCKDB_TYPE[type]}`,
        );
      }
      columns.push({ name: column.name, type });
    }
    this.tables.set(spec.table, { ...spec, columns });
  }

  async begin(): Promise<void> {
    await this.run("BEGIN TRANSACTION");
  }

  private staging(spec: TableSpec): string {
    return `stage_${spec.table}`;
  }

  async stage(spec: TableSpec, rows: readonly RowValues[]): Promise<void> {
    const effective = this.tables.get(spec.table) ?? spec;
    const staging = this.staging(spec);
    const columns = effective.columns.map((c) => `${q(c.name)} ${STAGING_TYPE[c.type]}`).join(", ");
    await this.run(`CREATE OR REPLACE TEMP TABLE ${q(staging)} (${columns})`);
    const appender = await this.con.createAppender(staging, "main", "temp");
    try {
      const duckTypes = effective.columns.map((_, i) => appender.columnType(i));
      const types = effective.columns.map((c) => c.type);
      // Column by column, a data chunk at a time: no per-row arrays, one conversion loop per type.
      for (let offset = 0; offset < rows.length; offset += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, rows.length - offset);
        const columns = types.map((type, column) => convertColumn(type, rows, column, offset, count));
        const chunk = DuckDBDataChunk.create(duckTypes, count);
        chunk.setColumns(columns);
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } catch (error) {
      throw new LoaderError(`DuckDB refused a batch for ${spec.table}: ${(error as Error).message}`);
    } finally {
      appender.closeSync();
    }
  }

  async merge(spec: TableSpec): Promise<void> {
    const effective = this.tables.get(spec.table) ?? spec;
    const staging = q(this.staging(spec));
    const names = effective.columns.map((c) => q(c.name));
    // Staged integers and timestamps become the table's types here (see STAGING_TYPE).
    const typed = effective.columns
      .map((c) =>
        STAGING_TYPE[c.type] === DUCKDB_TYPE[c.type]
          ? q(c.name)
          : `CAST(${q(c.name)} AS ${DUCKDB_TYPE[c.type]}) AS ${q(c.name)}`,
      )
      .join(", ");
    if (spec.keyProperties.length === 0) {
      await this.run(
        `INSERT INTO ${this.target(spec)} (${names.join(", ")}) SELECT ${typed} FROM ${staging}`,
      );
    } else {
      const keys = spec.keyProperties.map(q);
      const latest = `SELECT ${typed} FROM ${staging} QUALIFY row_number() OVER (PARTITION BY ${keys.join(", ")} ORDER BY "_sdc_sequence" DESC) = 1`;
      const on = keys.map((k) => `t.${k} IS NOT DISTINCT FROM s.${k}`).join(" AND ");
      const set = names.map((n) => `${n} = s.${n}`).join(", ");
      await this.run(
        `MERGE INTO ${this.target(spec)} AS t USING (${latest}) AS s ON (${on}) ` +
          `WHEN MATCHED THEN UPDATE SET ${set} ` +
          `WHEN NOT MATCHED THEN INSERT (${names.join(", ")}) VALUES (${names.map((n) => `s.${n}`).join(", ")})`,
      );
    }
    await this.run(`DROP TABLE ${staging}`);
  }

  async commit(): Promise<void> {
    await this.run("COMMIT");
  }

  async rollback(): Promise<void> {
    await this.run("ROLLBACK");
  }

  async close(): Promise<void> {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
  }
}
