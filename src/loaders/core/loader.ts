import type { ColumnType } from "./columns.js";
import type { Dialect } from "./dialect.js";
import type { RecordBatch } from "./record-batch.js";
import type { TablePlan } from "./schema-evolution.js";

/**
 * What a warehouse dialect provides to the shared target core. The core names the columns,
 * plans schema changes and decides when to flush. A flush stages every stream's batch (uploads
 * are not transactional in any warehouse), then merges them all in one transaction, then
 * cleans up what was staged, after a failure too; only then is the STATE passed on. Snowflake
 * and BigQuery loaders are new implementations of this, nothing else.
 *
 * `Staged` is whatever a staged batch is in the warehouse: a file, a stage path, a temporary
 * table, a load job.
 */
export interface Loader<Staged = unknown> {
  readonly name: string;
  readonly dialect: Dialect;
  connect(): Promise<void>;
  /** The table's columns and their types in the shared vocabulary; null when there is no table. */
  describeTable(table: string): Promise<Map<string, ColumnType> | null>;
  /** Carries out the changes the core planned (create, add, widen in place, replace). */
  applyPlan(plan: TablePlan): Promise<void>;
  /** Puts a batch (NDJSON, see RecordBatch) where the warehouse's bulk reader can load it. */
  stage(batch: RecordBatch): Promise<Staged>;
  begin(): Promise<void>;
  /**
   * Moves a staged batch into its table: upsert on the keys (the record that arrived last wins,
   * by _sdc_sequence), or append when the stream has none.
   */
  merge(staged: Staged): Promise<void>;
  /** Resolves once the batch is durable where it will be read from; else rejects (no STATE follows). */
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Removes what `stage` made. Always called, after a failure too; never throws for a missing thing. */
  cleanup(staged: Staged): Promise<void>;
  /**
   * Whether a failure is worth another try on a fresh connection: network errors, 5xx, lock and
   * session time-outs. SQL and data errors are not.
   */
  isTransient(error: unknown): boolean;
  close(): Promise<void>;
}
