import type { DuckDBConnection } from "@duckdb/node-api";
import { BigQueryError } from "./bigquery-error.js";
import { quoteIdentifier, quoteString } from "./sql-translator.js";
import { bigQueryTypeOfColumn, canonicalType, duckDbTypeOf, type FieldSchema } from "./sql-types.js";

/** What BigQuery keeps beside the data, which DuckDB has no place for. */
interface DatasetExtra {
  location: string;
  creationTime: number;
}
interface TableExtra {
  creationTime: number;
  expirationTime?: string;
  description?: string;
}

export interface TableRef {
  projectId: string;
  datasetId: string;
  tableId: string;
}

/**
 * Datasets are DuckDB schemas and tables DuckDB tables: their names and columns are read back from
 * information_schema (so tables made by SQL show up too), compared without regard to case.
 */
export class Catalog {
  private readonly datasets = new Map<string, DatasetExtra>();
  private readonly tables = new Map<string, TableExtra>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly now: () => number,
  ) {}

  private async rows(sql: string): Promise<unknown[][]> {
    return (await this.connection.runAndReadAll(sql)).getRows() as unknown[][];
  }

  /** The dataset's name as stored, or undefined. */
  async datasetName(datasetId: string): Promise<string | undefined> {
    const rows = await this.rows(
      `SELECT schema_name FROM information_schema.schemata WHERE catalog_name = current_database() AND lower(schema_name) = lower(${quoteString(datasetId)})`,
    );
    return rows[0]?.[0] as string | undefined;
  }

  async requireDataset(projectId: string, datasetId: string): Promise<string> {
    const name = await this.datasetName(datasetId);
    if (!name) throw new BigQueryError("notFound", `Not found: Dataset ${projectId}:${datasetId}`);
    return name;
  }

  async createDataset(projectId: string, datasetId: string, location = "US"): Promise<unknown> {
    if (!/^\w{1,1024}$/.test(datasetId))
      throw new BigQueryError(
        "invalid",
        `Invalid dataset ID "${datasetId}". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.`,
      );
    if (await this.datasetName(datasetId))
      throw new BigQueryError("duplicate", `Already Exists: Dataset ${projectId}:${datasetId}`);
    await this.connection.run(`CREATE SCHEMA ${quoteIdentifier(datasetId)}`);
    this.datasets.set(datasetId.toLowerCase(), { location, creationTime: this.now() });
    return this.datasetResource(projectId, datasetId);
  }

  async datasetResource(projectId: string, datasetId: string): Promise<unknown> {
    const name = await this.requireDataset(projectId, datasetId);
    const extra = this.datasets.get(name.toLowerCase()) ?? { location: "US", creationTime: this.now() };
    return {
      kind: "bigquery#dataset",
      id: `${projectId}:${name}`,
      selfLink: `/bigquery/v2/projects/${projectId}/datasets/${name}`,
      datasetReference: { projectId, datasetId: name },
      location: extra.location,
      creationTime: String(extra.creationTime),
      lastModifiedTime: String(extra.creationTime),
      etag: `"${extra.creationTime}"`,
    };
  }

  datasetLocation(datasetId: string): string {
    return this.datasets.get(datasetId.toLowerCase())?.location ?? "US";
  }

  /** BigQuery refuses to delete a dataset with tables unless `deleteContents=true`. */
  async deleteDataset(projectId: string, datasetId: string, deleteContents: boolean): Promise<void> {
    const name = await this.requireDataset(projectId, datasetId);
    const tables = await this.rows(
      `SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ${quoteString(name)}`,
    );
    if (Number(tables[0]?.[0]) > 0 && !deleteContents)
      throw new BigQueryError("invalid", `Dataset ${projectId}:${name} is still in use`);
    await this.connection.run(`DROP SCHEMA ${quoteIdentifier(name)} CASCADE`);
    this.datasets.delete(name.toLowerCase());
  }

  /** The table's [dataset, table] names as stored, or undefined. */
  async tableName(datasetId: string, tableId: string): Promise<[string, string] | undefined> {
    const rows = await this.rows(
      `SELECT table_schema, table_name FROM information_schema.tables WHERE table_catalog = current_database() AND lower(table_schema) = lower(${quoteString(datasetId)}) AND lower(table_name) = lower(${quoteString(tableId)})`,
    );
    const row = rows[0];
    return row ? [row[0] as string, row[1] as string] : undefined;
  }

  async requireTable(ref: TableRef): Promise<[string, string]> {
    await this.requireDataset(ref.projectId, ref.datasetId);
    const names = await this.tableName(ref.datasetId, ref.tableId);
    if (!names)
      throw new BigQueryError(
        "notFound",
        `Not found: Table ${ref.projectId}:${ref.datasetId}.${ref.tableId}`,
      );
    return names;
  }

  /** The fields of a table, from DuckDB's columns (REQUIRED = NOT NULL). */
  async fields(dataset: string, table: string): Promise<FieldSchema[]> {
    const rows = await this.rows(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_catalog = current_database() AND table_schema = ${quoteString(dataset)} AND table_name = ${quoteString(table)} ORDER BY ordinal_position`,
    );
    return rows.map(([name, type, nullable]) => ({
      name: name as string,
      type: bigQueryTypeOfColumn(type as string),
      mode: nullable === "YES" ? "NULLABLE" : "REQUIRED",
    }));
  }

  static columnDefinitions(fields: readonly FieldSchema[]): string {
    return fields.map((f) => `${quoteIdentifier(checkField(f).name)} ${columnType(f)}`).join(", ");
  }

  async createTable(
    ref: TableRef,
    fields: readonly FieldSchema[],
    extra: Partial<TableExtra> = {},
  ): Promise<unknown> {
    const dataset = await this.requireDataset(ref.projectId, ref.datasetId);
    if (await this.tableName(dataset, ref.tableId))
      throw new BigQueryError(
        "duplicate",
        `Already Exists: Table ${ref.projectId}:${dataset}.${ref.tableId}`,
      );
    if (!/^[\w-]{1,1024}$/.test(ref.tableId))
      throw new BigQueryError("invalid", `Invalid table ID "${ref.tableId}".`);
    const seen = new Set<string>();
    for (const f of fields) {
      if (seen.has(f.name.toLowerCase()))
        throw new BigQueryError("invalid", `Field ${f.name} already exists in schema`);
      seen.add(f.name.toLowerCase());
    }
    const columns = fields.length > 0 ? Catalog.columnDefinitions(fields) : "";
    if (!columns)
      throw new BigQueryError(
        "invalid",
        "The stand-in needs a schema to create a table (views are not supported)",
      );
    await this.connection.run(
      `CREATE TABLE ${quoteIdentifier(dataset)}.${quoteIdentifier(ref.tableId)} (${columns})`,
    );
    this.tables.set(key(dataset, ref.tableId), { creationTime: this.now(), ...extra });
    return this.tableResource(ref);
  }

  async tableResource(ref: TableRef): Promise<unknown> {
    const [dataset, table] = await this.requireTable(ref);
    const extra = this.tables.get(key(dataset, table)) ?? { creationTime: this.now() };
    const count = await this.rows(
      `SELECT count(*) FROM ${quoteIdentifier(dataset)}.${quoteIdentifier(table)}`,
    );
    return {
      kind: "bigquery#table",
      id: `${ref.projectId}:${dataset}.${table}`,
      selfLink: `/bigquery/v2/projects/${ref.projectId}/datasets/${dataset}/tables/${table}`,
      tableReference: { projectId: ref.projectId, datasetId: dataset, tableId: table },
      schema: { fields: await this.fields(dataset, table) },
      numRows: String(count[0]?.[0] ?? 0),
      numBytes: "0",
      type: "TABLE",
      location: this.datasetLocation(dataset),
      creationTime: String(extra.creationTime),
      lastModifiedTime: String(extra.creationTime),
      ...(extra.expirationTime ? { expirationTime: extra.expirationTime } : {}),
      ...(extra.description ? { description: extra.description } : {}),
      etag: `"${extra.creationTime}"`,
    };
  }

  /**
   * tables.patch / update. Schema changes follow BigQuery's rules ("Modifying table schemas"):
   * new fields may be appended if NULLABLE (or REPEATED), and a REQUIRED field may be relaxed to
   * NULLABLE; dropping, retyping or tightening a field is refused with `invalid`.
   */
  async patchTable(ref: TableRef, patch: Record<string, unknown>): Promise<unknown> {
    const [dataset, table] = await this.requireTable(ref);
    const id = `${ref.projectId}:${dataset}.${table}`;
    const newFields = (patch.schema as { fields?: FieldSchema[] } | undefined)?.fields;
    if (newFields) {
      const current = await this.fields(dataset, table);
      const byName = new Map(newFields.map((f) => [f.name.toLowerCase(), f]));
      const refuse = (why: string) =>
        new BigQueryError("invalid", `Provided Schema does not match Table ${id}. ${why}`);
      const relax: string[] = [];
      for (const old of current) {
        const next = byName.get(old.name.toLowerCase());
        if (!next) throw refuse(`Field ${old.name} is missing in new schema`);
        const nextType = canonicalType(next.type ?? "STRING");
        if (nextType !== old.type)
          throw refuse(`Field ${old.name} has changed type from ${old.type} to ${nextType}`);
        const nextMode = next.mode ?? "NULLABLE";
        if (nextMode !== old.mode) {
          if (old.mode === "REQUIRED" && nextMode === "NULLABLE") relax.push(old.name);
          else throw refuse(`Field ${old.name} has changed mode from ${old.mode} to ${nextMode}`);
        }
      }
      const known = new Set(current.map((f) => f.name.toLowerCase()));
      const added = newFields.filter((f) => !known.has(f.name.toLowerCase()));
      for (const f of added)
        if (f.mode === "REQUIRED")
          throw refuse(`Cannot add required fields to an existing schema. (field: ${f.name})`);
      const target = `${quoteIdentifier(dataset)}.${quoteIdentifier(table)}`;
      for (const f of added)
        await this.connection.run(`ALTER TABLE ${target} ADD COLUMN ${Catalog.columnDefinitions([f])}`);
      for (const name of relax)
        await this.connection.run(
          `ALTER TABLE ${target} ALTER COLUMN ${quoteIdentifier(name)} DROP NOT NULL`,
        );
    }
    const extra = this.tables.get(key(dataset, table)) ?? { creationTime: this.now() };
    if (typeof patch.expirationTime === "string") extra.expirationTime = patch.expirationTime;
    if (typeof patch.description === "string") extra.description = patch.description;
    this.tables.set(key(dataset, table), extra);
    return this.tableResource(ref);
  }

  async deleteTable(ref: TableRef): Promise<void> {
    const [dataset, table] = await this.requireTable(ref);
    await this.connection.run(`DROP TABLE ${quoteIdentifier(dataset)}.${quoteIdentifier(table)}`);
    this.tables.delete(key(dataset, table));
  }
}

const key = (dataset: string, table: string): string => `${dataset}.${table}`.toLowerCase();

function checkField(f: FieldSchema): FieldSchema {
  if (!/^[A-Za-z_]\w{0,299}$/.test(f.name ?? ""))
    throw new BigQueryError(
      "invalid",
      `Invalid field name "${f.name}". Fields must contain only letters, numbers, and underscores, start with a letter or underscore, and be at most 300 characters long.`,
    );
  if (f.mode === "REPEATED" || ["RECORD", "STRUCT"].includes((f.type ?? "").toUpperCase()))
    throw new BigQueryError(
      "invalid",
      `The stand-in does not support REPEATED or RECORD fields (field: ${f.name})`,
    );
  return f;
}

const columnType = (f: FieldSchema): string =>
  `${duckDbTypeOf(f.type ?? "STRING")}${f.mode === "REQUIRED" ? " NOT NULL" : ""}`;
