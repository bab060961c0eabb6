import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import type { BigQuery, Dataset, Job, Table } from "@google-cloud/bigquery";
import { registerSecret } from "../../auth/redact.js";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import { type ColumnSpec, type ColumnType, keyColumns } from "../core/columns.js";
import type { Loader } from "../core/loader.js";
import type { RecordBatch } from "../core/record-batch.js";
import type { TablePlan } from "../core/schema-evolution.js";
import { removeStaleStagingDirs, stagingDirPrefix } from "../core/staging-dirs.js";
import { LoaderError, TargetInputError } from "../core/target-errors.js";
import { BIGQUERY_DIALECT } from "./bigquery-dialect.js";
import { BIGQUERY_TYPE, columnTypeOf } from "./bigquery-types.js";

const gzipAsync = promisify(gzip);

export interface BigQuerySettings {
  project: string;
  dataset: string;
  location: string;
  credentials_path: string | null;
  credentials_json: string | null;
  api_endpoint: string | null;
}

export interface BigQueryLoaderOptions extends BigQuerySettings {
  logger: Logger;
}

/** A batch staged for BigQuery: a table of wrapped records, loaded by one load job. */
interface StagedBatch {
  batch: RecordBatch;
  table: Table;
  name: string;
}

/** The staging table's schema: the batch's NDJSON as it is (see RecordBatch). */
const STAGING_FIELDS = [
  { name: "q", type: "INT64", mode: "REQUIRED" },
  { name: "r", type: "TIMESTAMP", mode: "REQUIRED" },
  { name: "m", type: "JSON", mode: "REQUIRED" },
];

/** A staging table expires on its own: a killed run leaves no litter for long. */
const STAGING_TTL_MS = 24 * 3_600_000;

/** Job reasons and HTTP statuses worth another try (BigQuery's troubleshooting guide). */
const TRANSIENT_REASONS = new Set(["backendError", "rateLimitExceeded", "internalError", "jobBackendError"]);

const literal = (text: string) =>
  `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r")}'`;
const q = (identifier: string) => `\`${identifier.replace(/`/g, "\\`")}\``;

/** A record's property in the staged row's JSON, as SQL of the column's type; a JSON null is NULL. */
function columnValue(column: ColumnSpec, batch: RecordBatch): string {
  const json = `m['record'][${literal(column.property)}]`;
  const value: Record<ColumnType, string> = {
    string: `LAX_STRING(${json})`,
    // Strict: a number INT64 cannot hold fails the flush instead of loading as NULL.
    integer: `INT64(${json})`,
    number: `LAX_FLOAT64(${json})`,
    boolean: `LAX_BOOL(${json})`,
    timestamp: `TIMESTAMP(LAX_STRING(${json}))`,
    json: `IF(JSON_TYPE(${json}) = 'null', NULL, ${json})`,
  };
  const fallback: Record<string, string> = {
    _sdc_extracted_at: "TIMESTAMP(LAX_STRING(m['time_extracted']))",
    _sdc_received_at: "r",
    _sdc_batched_at: `TIMESTAMP(${literal(batch.batchedAt)})`,
    _sdc_sequence: "q",
  };
  const own = value[column.type];
  return fallback[column.property] ? `COALESCE(${own}, ${fallback[column.property]})` : own;
}

/** The cast that fills a replacing column from the kept one (the core's replace rule). */
function castTo(to: ColumnType, from: ColumnType, column: string): string {
  if (to === "string") return from === "json" ? `TO_JSON_STRING(${column})` : `CAST(${column} AS STRING)`;
  return `CAST(${column} AS ${BIGQUERY_TYPE[to]})`;
}

/** A BigQuery API error's reason (errors[0].reason), HTTP code and message. */
function describe(error: unknown): { reason: string | undefined; code: number | undefined; message: string } {
  const e = error as { code?: number; errors?: Array<{ reason?: string }>; message?: string };
  return {
    reason: e?.errors?.[0]?.reason,
    code: typeof e?.code === "number" ? e.code : undefined,
    message: e?.message ?? String(error),
  };
}

/**
 * The BigQuery dialect, through the real @google-cloud/bigquery client. Each stream's batch goes
 * as NDJSON through one load job (explicit schema, never autodetect; load jobs are free) into a
 * staging table that expires after a day; the MERGEs of a flush (each batch deduplicated, the
 * latest _sdc_sequence winning: BigQuery refuses several source rows for one target row) then run
 * as one multi-statement transaction, so a flush lands whole or not at all; then the staging
 * tables are dropped. Never insertAll: rows in the streaming buffer cannot be merged.
 */
export class BigQueryLoader implements Loader<StagedBatch> {
  readonly name = "bigquery";
  readonly dialect = BIGQUERY_DIALECT;
  private client: BigQuery | undefined;
  private dataset: Dataset | undefined;
  private stagingDir: string | undefined;
  /** The MERGEs of the flush under way (one a stream), run together at commit. */
  private script: Array<{ sql: string; stream: string }> | null = null;
  /** Jobs and API requests sent, for the bench. */
  jobs = 0;

  constructor(private readonly options: BigQueryLoaderOptions) {}

  private get bq(): BigQuery {
    if (!this.client) throw new LoaderError("BigQuery loader used before connect()");
    return this.client;
  }

  /** A table's full name as one backtick-quoted path: `project.dataset.table`. */
  private table(name: string): string {
    return q(`${this.options.project}.${this.options.dataset}.${name}`);
  }

  private fail(what: string, error: unknown, stream?: string, jobId?: string): LoaderError {
    const { reason, code, message } = describe(error);
    const where = (error as { errors?: Array<{ location?: string }> })?.errors?.[0]?.location;
    const failure = new LoaderError(
      `BigQuery refused ${what}${stream ? ` (stream ${stream})` : ""}${jobId ? `, job ${jobId}` : ""} (${reason ?? (code ? `HTTP ${code}` : "error")}, location ${this.options.location}${where ? `, at ${where}` : ""}): ${message}`,
    );
    return Object.assign(failure, { cause: error });
  }

  async connect(): Promise<void> {
    const { BigQuery: Client } = await import("@google-cloud/bigquery");
    const { project, location, api_endpoint } = this.options;
    let credentials: Record<string, unknown> | undefined;
    if (this.options.credentials_json) {
      registerSecret(this.options.credentials_json);
      try {
        credentials = JSON.parse(this.options.credentials_json) as Record<string, unknown>;
      } catch {
        throw new ConfigError(
          "The target-bigquery setting 'credentials_json' is not JSON: give the service account key file's content.",
        );
      }
      registerSecret(String(credentials.private_key ?? ""));
    } else if (this.options.credentials_path) {
      try {
        registerSecret(
          String(
            (JSON.parse(readFileSync(this.options.credentials_path, "utf8")) as { private_key?: string })
              .private_key ?? "",
          ),
        );
      } catch (error) {
        throw new ConfigError(
          `The target-bigquery setting 'credentials_path' names ${this.options.credentials_path}, which is not a readable service account key (${(error as NodeJS.ErrnoException).code ?? "not JSON"}).`,
        );
      }
    }
    // Against a local endpoint without credentials, a fixed token: no call to Google's auth servers.
    const authClient =
      api_endpoint && !credentials && !this.options.credentials_path ? await fixedTokenClient() : undefined;
    this.client = new Client({
      projectId: project,
      location,
      ...(api_endpoint ? { apiEndpoint: api_endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      ...(this.options.credentials_path ? { keyFilename: this.options.credentials_path } : {}),
      ...(authClient ? { authClient } : {}),
    } as never);
    this.dataset = this.bq.dataset(this.options.dataset, { location } as never);
    try {
      const [exists] = await this.dataset.exists();
      if (!exists) await this.bq.createDataset(this.options.dataset, { location });
      else {
        // Jobs run where their data is: a dataset elsewhere would fail every job with notFound.
        const [metadata] = await this.dataset.getMetadata();
        const actual = String((metadata as { location?: string }).location ?? location);
        if (actual.toLowerCase() !== location.toLowerCase())
          throw new ConfigError(
            `The dataset ${project}.${this.options.dataset} is in ${actual}, but the target-bigquery setting 'location' is ${location}: set it to ${actual}.`,
          );
      }
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw this.fail(`the dataset ${this.options.dataset}`, error);
    }
    for (const dir of removeStaleStagingDirs(tmpdir(), "target-bigquery"))
      this.options.logger.info(`Removed the staging folder of an interrupted run: ${dir}`);
  }

  async describeTable(table: string): Promise<Map<string, ColumnType> | null> {
    try {
      const [metadata] = (await this.dataset?.table(table).getMetadata()) ?? [];
      const fields =
        (metadata as { schema?: { fields?: Array<{ name: string; type: string }> } })?.schema?.fields ?? [];
      return new Map(fields.map((f) => [f.name, columnTypeOf(f.type)]));
    } catch (error) {
      if (describe(error).code === 404) return null;
      throw this.fail(`reading the schema of ${table}`, error);
    }
  }

  /** Runs a query job to its end; a failure names the job, and the stream `streamOf` finds. */
  private async runQuery(
    sql: string,
    what: string,
    streamOf: (error: unknown) => string | undefined = () => undefined,
  ): Promise<void> {
    this.jobs += 1;
    let job: Job | undefined;
    try {
      [job] = await this.bq.createQueryJob({ query: sql, location: this.options.location });
      await job.getQueryResults();
    } catch (error) {
      throw this.fail(what, error, streamOf(error), job?.id);
    }
  }

  async applyPlan({ spec, changes }: TablePlan): Promise<void> {
    const table = this.dataset?.table(spec.table) as Table;
    for (const change of changes) {
      try {
        if (change.kind === "create") {
          await this.dataset?.createTable(spec.table, {
            schema: {
              fields: change.columns.map((c) => ({
                name: c.name,
                type: BIGQUERY_TYPE[c.type],
                mode: "NULLABLE",
              })),
            },
          });
        } else if (change.kind === "add") {
          // New properties are added by patching the table schema: fields are only ever appended.
          const [metadata] = await table.getMetadata();
          const fields = (metadata as { schema: { fields: Array<{ name: string; type: string }> } }).schema
            .fields;
          await table.setMetadata({
            schema: {
              fields: [
                ...fields,
                { name: change.column.name, type: BIGQUERY_TYPE[change.column.type], mode: "NULLABLE" },
              ],
            },
          });
        } else if (change.kind === "widen") {
          await this.runQuery(
            `ALTER TABLE ${this.table(spec.table)} ALTER COLUMN ${q(change.column)} SET DATA TYPE ${BIGQUERY_TYPE[change.to]}`,
            `widening ${spec.table}.${change.column}`,
            () => spec.stream,
          );
        } else {
          await this.runQuery(
            `ALTER TABLE ${this.table(spec.table)} RENAME COLUMN ${q(change.column)} TO ${q(change.keptAs)}; ` +
              `ALTER TABLE ${this.table(spec.table)} ADD COLUMN ${q(change.column)} ${BIGQUERY_TYPE[change.to]}; ` +
              `UPDATE ${this.table(spec.table)} SET ${q(change.column)} = ${castTo(change.to, change.from, q(change.keptAs))} WHERE TRUE`,
            `keeping ${spec.table}.${change.column} as ${change.keptAs}`,
            () => spec.stream,
          );
        }
      } catch (error) {
        throw error instanceof LoaderError
          ? error
          : this.fail(`the schema of ${spec.table}`, error, spec.stream);
      }
    }
  }

  async stage(batch: RecordBatch): Promise<StagedBatch> {
    const { spec } = batch;
    this.stagingDir ??= mkdtempSync(join(tmpdir(), stagingDirPrefix("target-bigquery")));
    const name = `${spec.table}__staged_${randomUUID().slice(0, 8)}`;
    const file = join(this.stagingDir, `${name}.ndjson.gz`);
    const dataset = this.dataset as Dataset;
    let job: Job | undefined;
    try {
      const [table] = await dataset.createTable(name, {
        schema: { fields: STAGING_FIELDS },
        expirationTime: String(Date.now() + STAGING_TTL_MS),
      });
      await writeFile(file, await gzipAsync(batch.ndjson));
      this.jobs += 1;
      [job] = await table.createLoadJob(file, {
        sourceFormat: "NEWLINE_DELIMITED_JSON",
        schema: { fields: STAGING_FIELDS },
        writeDisposition: "WRITE_TRUNCATE",
        location: this.options.location,
      } as never);
      // Resolves when the job is DONE; rejects with its errorResult and errors when it failed.
      await job.promise();
      return { batch, table, name };
    } catch (error) {
      throw (
        recordError(batch, error) ??
        this.fail(`the load job of ${spec.table}'s batch`, error, spec.stream, job?.id)
      );
    } finally {
      await rm(file, { force: true });
    }
  }

  async begin(): Promise<void> {
    this.script = [];
  }

  async merge({ batch, name }: StagedBatch): Promise<void> {
    const { spec } = batch;
    const names = spec.columns.map((c) => q(c.name));
    const values = spec.columns.map((c) => `${columnValue(c, batch)} AS ${q(c.name)}`);
    const keys = keyColumns(spec);
    const source = this.table(name);
    if (keys.length === 0) {
      this.script?.push({
        sql: `INSERT INTO ${this.table(spec.table)} (${names.join(", ")}) SELECT ${values.join(", ")} FROM ${source}`,
        stream: spec.stream,
      });
      return;
    }
    const partition = keys.map((c) => columnValue(c, batch)).join(", ");
    const latest = `SELECT ${values.join(", ")} FROM ${source} WHERE TRUE QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition} ORDER BY q DESC) = 1`;
    const on = keys.map((c) => `T.${q(c.name)} IS NOT DISTINCT FROM S.${q(c.name)}`).join(" AND ");
    this.script?.push({
      sql:
        `MERGE ${this.table(spec.table)} T USING (${latest}) S ON ${on} ` +
        `WHEN MATCHED THEN UPDATE SET ${names.map((n) => `${n} = S.${n}`).join(", ")} ` +
        `WHEN NOT MATCHED THEN INSERT (${names.join(", ")}) VALUES (${names.map((n) => `S.${n}`).join(", ")})`,
      stream: spec.stream,
    });
  }

  async commit(): Promise<void> {
    const statements = this.script ?? [];
    this.script = null;
    if (statements.length === 0) return;
    // One statement a line: line n + 1 of the script is statement n, so that the error's
    // "at [line:column]" names the stream whose MERGE failed.
    const script = ["BEGIN TRANSACTION", ...statements.map((s) => s.sql), "COMMIT TRANSACTION"];
    await this.runQuery(
      `${script.join(";\n")};`,
      "the MERGEs of the flush (one transaction: nothing of it landed)",
      (error) => {
        const line = /at \[(\d+):\d+\]/.exec(describe(error).message)?.[1];
        return line ? statements[Number(line) - 2]?.stream : undefined;
      },
    );
  }

  async rollback(): Promise<void> {
    // Nothing ran yet, or the script's transaction ended with its failing statement.
    this.script = null;
  }

  async cleanup({ table }: StagedBatch): Promise<void> {
    await table.delete({ ignoreNotFound: true } as never).catch(() => undefined);
  }

  isTransient(error: unknown): boolean {
    const text = (error as Error)?.message ?? String(error);
    const cause = describe((error as { cause?: unknown })?.cause ?? error);
    return (
      (cause.reason !== undefined && TRANSIENT_REASONS.has(cause.reason)) ||
      (cause.code !== undefined && (cause.code === 429 || cause.code >= 500)) ||
      /\((backendError|rateLimitExceeded|internalError|HTTP 5\d\d|HTTP 429)[,)]/.test(text) ||
      /ECONNRESET|ETIMEDOUT|socket hang up/.test(text)
    );
  }

  async close(): Promise<void> {
    this.client = undefined;
    this.dataset = undefined;
    if (this.stagingDir) rmSync(this.stagingDir, { recursive: true, force: true });
    this.stagingDir = undefined;
  }
}

/** A record a load job cannot read is bad input: its error names the batch file's line. */
function recordError(batch: RecordBatch, error: unknown): TargetInputError | null {
  const text = `${describe(error).message} ${JSON.stringify((error as { errors?: unknown })?.errors ?? "")}`;
  const match = /(?:line|row)[ :]+(\d+)/i.exec(text);
  const inputLine = match ? batch.inputLines[Number(match[1]) - 1] : undefined;
  if (inputLine === undefined) return null;
  return new TargetInputError(
    inputLine,
    batch.spec.stream,
    `BigQuery cannot load the record (${describe(error).message})`,
  );
}

/** An OAuth client that always has a token: for a local endpoint, which accepts any. */
async function fixedTokenClient(): Promise<unknown> {
  const { OAuth2Client } = await import("google-auth-library");
  const client = new OAuth2Client();
  client.setCredentials({
    access_token: "local-bigquery-token",
    expiry_date: Date.now() + 10 * 365 * 86_400_000,
  });
  return client;
}
