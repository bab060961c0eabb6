import type { ColumnType } from "../../../src/loaders/core/columns.js";
import type { TargetFactory } from "../../../src/loaders/targets.js";

/**
 * What the loader contract suite needs of a loader under test: fresh settings for one load, and
 * its tables read back through the warehouse's own client. Values come back normalised, so one
 * expectation holds for every warehouse: integers as decimal strings (exact past 2^53), numbers
 * as numbers, timestamps as epoch microseconds (a decimal string), JSON parsed, booleans and
 * text as they are, null as null.
 */
/** Records JSON.parse accepts that a warehouse may not: what the loader does with each. */
export type UnloadableCase = "an integer past 64 bits" | "a repeated key" | "a lone surrogate";
export type UnloadableOutcome =
  | "refused, naming its input line"
  | "refused"
  /** The warehouse holds it (Snowflake's NUMBER(38,0) holds 20 digits). */
  | "loaded";

export interface LoaderHarness {
  factory: TargetFactory;
  unloadable: Record<UnloadableCase, UnloadableOutcome>;
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
