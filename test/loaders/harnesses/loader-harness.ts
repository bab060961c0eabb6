import type { ColumnType } from "../../../src/loaders/core/columns.js";
import type { TargetFactory } from "../../../src/loaders/targets.js";

/**
 * What the loader contract suite needs of a loader under test: fresh settings for one load, and
 * its tables read back through the warehouse's own client. Values come back normalised, so one
 * expectation holds for every warehouse: integers as decimal strings (exact past 2^53), numbers
 * as numbers, timestamps as epoch microseconds (a decimal string), JSON parsed, booleans and
 * text as they are, null as null.
 */
export interface LoaderHarness {
  factory: TargetFactory;
  /** Why the harness cannot run here (no server, no credentials), or null when it can. */
  skipReason(): string | null;
  open(): Promise<LoadedTables>;
}

export interface LoadedTables {
  /** Settings for the factory (batch settings are the suite's). */
  settings: Record<string, unknown>;
  /** A stream's table columns and types as the warehouse describes them, by column name; null: no table. */
  columns(stream: string): Promise<Map<string, ColumnType> | null>;
  /** Every row of a stream's table, the given properties normalised, ordered by the first one. */
  rows(stream: string, properties: string[]): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}
