import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { BigQueryError, type ErrorProto } from "./bigquery-error.js";
import type { Catalog, TableRef } from "./catalog.js";
import { mediaText } from "./multipart.js";
import { quoteIdentifier, quoteString } from "./sql-translator.js";
import { duckDbTypeOf, type FieldSchema } from "./sql-types.js";

/** configuration.load, as much of JobConfigurationLoad as the stand-in reads. */
export interface LoadConfiguration {
  destinationTable: TableRef;
  sourceFormat?: string;
  schema?: { fields?: FieldSchema[] };
  writeDisposition?: "WRITE_APPEND" | "WRITE_TRUNCATE" | "WRITE_EMPTY";
  createDisposition?: "CREATE_IF_NEEDED" | "CREATE_NEVER";
  ignoreUnknownValues?: boolean;
  maxBadRecords?: number;
  schemaUpdateOptions?: string[];
}

export interface LoadStatistics {
  inputFiles: string;
  inputFileBytes: string;
  outputRows: string;
  outputBytes: string;
  badRecords: string;
}

/** A failed load: errorResult plus the per-row errors[] BigQuery lists beside it. */
export class LoadError extends Error {
  constructor(
    readonly errorResult: ErrorProto,
    readonly errors: ErrorProto[],
  ) {
    super(errorResult.message);
  }
}

const FILE = "file-00000000";

/** Checks one NDJSON record against the schema as BigQuery does; returns the problem, if any. */
function recordProblem(
  line: string,
  fields: ReadonlyMap<string, FieldSchema>,
  ignoreUnknownValues: boolean,
): string | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    return `Parser terminated before end of string: ${(error as Error).message}`;
  }
  if (typeof record !== "object" || record === null || Array.isArray(record))
    return "Top-level value is not an object";
  for (const name of Object.keys(record))
    if (!fields.has(name.toLowerCase()) && !ignoreUnknownValues) return `No such field: ${name}.`;
  for (const f of fields.values()) {
    if (f.mode !== "REQUIRED") continue;
    const present = Object.entries(record).some(
      ([k, v]) => k.toLowerCase() === f.name.toLowerCase() && v !== null,
    );
    if (!present) return `Missing required field: ${f.name}.`;
  }
  return undefined;
}

/**
 * Runs a load of NDJSON media into its destination in one DuckDB transaction: records are checked
 * in JS (unknown fields, REQUIRED ones), then read by DuckDB's read_json with the table's column
 * types, so nothing lands unless every record is good (or within maxBadRecords).
 */
export async function runLoad(
  connection: DuckDBConnection,
  catalog: Catalog,
  config: LoadConfiguration,
  media: Buffer,
  workDir: string,
  jobId: string,
): Promise<LoadStatistics> {
  const format = config.sourceFormat ?? "CSV";
  if (format !== "NEWLINE_DELIMITED_JSON")
    throw new BigQueryError(
      "invalid",
      `The stand-in loads NEWLINE_DELIMITED_JSON only; got sourceFormat ${format}`,
    );
  const ref = config.destinationTable;
  const dataset = await catalog.requireDataset(ref.projectId, ref.datasetId);
  let names = await catalog.tableName(dataset, ref.tableId);
  const given = config.schema?.fields;
  if (!names) {
    if (config.createDisposition === "CREATE_NEVER")
      throw new BigQueryError("notFound", `Not found: Table ${ref.projectId}:${dataset}.${ref.tableId}`);
    if (!given?.length) throw new BigQueryError("invalid", "No schema specified on job or table.");
    await catalog.createTable({ ...ref, datasetId: dataset }, given);
    names = (await catalog.tableName(dataset, ref.tableId)) as [string, string];
  } else if (given?.length && config.schemaUpdateOptions?.includes("ALLOW_FIELD_ADDITION")) {
    const current = await catalog.fields(...names);
    const known = new Set(current.map((f) => f.name.toLowerCase()));
    const added = given
      .filter((f) => !known.has(f.name.toLowerCase()))
      .map((f) => ({ ...f, mode: "NULLABLE" as const }));
    if (added.length) await catalog.patchTable(ref, { schema: { fields: [...current, ...added] } });
  }
  const [schemaName, tableName] = names;
  const fields = await catalog.fields(schemaName, tableName);
  const byName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));

  const text = mediaText(media);
  const good: string[] = [];
  const errors: ErrorProto[] = [];
  let position = 0;
  let rows = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line) {
      rows++;
      const problem = recordProblem(line, byName, config.ignoreUnknownValues === true);
      if (problem)
        errors.push({
          reason: "invalid",
          message: `Error while reading data, error message: JSON parsing error in row starting at position ${position}: ${problem}`,
          location: FILE,
        });
      else good.push(renameKeys(line, byName));
    }
    position += Buffer.byteLength(raw, "utf8") + 1;
  }
  const maxBad = config.maxBadRecords ?? 0;
  if (errors.length > maxBad)
    throw new LoadError(
      {
        reason: "invalid",
        message: `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: ${rows}; errors: ${errors.length}. Please look into the errors[] collection for more details.`,
        location: FILE,
      },
      errors,
    );

  const target = `${quoteIdentifier(schemaName)}.${quoteIdentifier(tableName)}`;
  const file = join(workDir, `${jobId}.ndjson`);
  writeFileSync(file, `${good.join("\n")}\n`);
  const columns = fields
    .map((f) => `${quoteString(f.name)}: ${quoteString(duckDbTypeOf(f.type))}`)
    .join(", ");
  const list = fields.map((f) => quoteIdentifier(f.name)).join(", ");
  await connection.run("BEGIN TRANSACTION");
  try {
    if (config.writeDisposition === "WRITE_EMPTY") {
      const count = (await connection.runAndReadAll(`SELECT count(*) FROM ${target}`)).getRows()[0]?.[0];
      if (Number(count) > 0)
        throw new BigQueryError(
          "duplicate",
          `Already Exists: Table ${ref.projectId}:${schemaName}.${tableName}`,
        );
    }
    if (config.writeDisposition === "WRITE_TRUNCATE") await connection.run(`DELETE FROM ${target}`);
    if (good.length > 0)
      await connection.run(
        `INSERT INTO ${target} (${list}) SELECT ${list} FROM read_json(${quoteString(file)}, format = 'newline_delimited', columns = {${columns}})`,
      );
    await connection.run("COMMIT");
  } catch (error) {
    await connection.run("ROLLBACK");
    if (error instanceof BigQueryError) throw error;
    const message = (error as Error).message.split("\n")[0] ?? "";
    throw new LoadError(
      { reason: "invalid", message: `Error while reading data, error message: ${message}`, location: FILE },
      [{ reason: "invalid", message: `Error while reading data, error message: ${message}`, location: FILE }],
    );
  }
  return {
    inputFiles: "1",
    inputFileBytes: String(media.length),
    outputRows: String(good.length),
    outputBytes: String(Buffer.byteLength(good.join("\n"))),
    badRecords: String(errors.length),
  };
}

/**
 * BigQuery matches JSON keys to columns without regard to case; read_json does not, so a record
 * whose keys differ in case is re-serialised with the column's spelling (only then: JSON.parse
 * would round INT64 values past 2^53).
 */
function renameKeys(line: string, fields: ReadonlyMap<string, FieldSchema>): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.every((k) => fields.get(k.toLowerCase())?.name === k || !fields.has(k.toLowerCase()))) return line;
  const renamed: Record<string, unknown> = {};
  for (const k of keys) {
    const f = fields.get(k.toLowerCase());
    if (f) renamed[f.name] = record[k];
  }
  return JSON.stringify(renamed);
}
