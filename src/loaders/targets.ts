import { mergeSettingsSources, type SettingsSchema, validateSettings } from "../config/settings.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import { bigqueryTarget } from "./bigquery/bigquery-target.js";
import type { Loader } from "./core/loader.js";
import type { BatchOptions } from "./core/target-core.js";
import { duckdbTarget } from "./duckdb/duckdb-target.js";
import { snowflakeTarget } from "./snowflake/snowflake-target.js";

export interface TargetSetup {
  loader: Loader;
  batch: BatchOptions;
  /** Where the data goes, for messages ("DuckDB usertesting.duckdb, schema usertesting"). */
  description: string;
}

/**
 * A warehouse the sync command and the target binaries can load into: a loader is its folder
 * (src/loaders/<name>/, which exports one of these) and one line in TARGETS below. That gives
 * `target-<name>` (src/cli/target.ts, one bin line in package.json), `tap-usertesting sync
 * --target <name>`, its settings, `--about`, and the loader contract suite.
 */
export interface TargetFactory {
  name: string;
  /** One line for --help and --about: what it loads into and how. */
  description: string;
  settings: SettingsSchema;
  create(settings: Record<string, unknown>, logger: Logger): TargetSetup;
}

/** Loaders by name. Snowflake and BigQuery join as one line each. */
export const TARGETS: Record<string, TargetFactory> = {
  duckdb: duckdbTarget,
  snowflake: snowflakeTarget,
  bigquery: bigqueryTarget,
};

export function targetByName(name: string): TargetFactory {
  const target = TARGETS[name];
  if (!target) {
    throw new ConfigError(`Unknown target '${name}'. Available: ${Object.keys(TARGETS).join(", ")}.`);
  }
  return target;
}

/** A target's settings from files and its environment variables, validated with defaults. */
export function loadTargetSettings(
  target: TargetFactory,
  files: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  const { merged, sourceOf } = mergeSettingsSources(target.settings, files, env);
  return validateSettings<Record<string, unknown>>(target.settings, merged, sourceOf);
}
