import type { TableSpec } from "./columns.js";
import type { RecordBatch } from "./record-batch.js";

/**
 * What a warehouse dialect provides to the shared target core. The core decides when to
 * flush; a flush is begin → (stage, merge) per stream → commit, so a batch lands whole or not
 * at all. Snowflake and BigQuery loaders are new implementations of this, nothing else.
 */
export interface Loader {
  readonly name: string;
  connect(): Promise<void>;
  /** Creates the table, or evolves it to hold `spec`: adds columns and widens types, never drops. */
  ensureTable(spec: TableSpec): Promise<void>;
  begin(): Promise<void>;
  /** Puts a batch (NDJSON, see RecordBatch) where the warehouse's bulk reader can load it. */
  stage(batch: RecordBatch): Promise<void>;
  /**
   * Moves the staged batch into its table in one statement: upsert on the keys (the record
   * that arrived last wins), or append when the stream has none.
   */
  merge(batch: RecordBatch): Promise<void>;
  /** Resolves once the batch is durable where it will be read from; else rejects (no STATE follows). */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}
