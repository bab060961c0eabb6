import type { TableSpec } from "./columns.js";

/** A row in the column order of its TableSpec. */
export type RowValues = unknown[];

/**
 * What a warehouse dialect provides to the shared target core. The core decides when to
 * flush; a flush is begin → (stage, merge) per table → commit, so a batch lands whole or not
 * at all. Snowflake and BigQuery loaders are new implementations of this, nothing else.
 */
export interface Loader {
  readonly name: string;
  connect(): Promise<void>;
  /** Creates the table, or evolves it to hold `spec`: adds columns and widens types, never drops. */
  ensureTable(spec: TableSpec): Promise<void>;
  begin(): Promise<void>;
  /** Loads rows in bulk into a staging area for `spec`'s table. */
  stage(spec: TableSpec, rows: readonly RowValues[]): Promise<void>;
  /** Moves the staged rows into the table in one statement: upsert on keys (last by _sdc_sequence wins), or append. */
  merge(spec: TableSpec): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}
