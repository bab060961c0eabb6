import { mergeSettingsSources, type SettingsSchema, validateSettings } from "../config/settings.js";
import { ConfigError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { Loader } from "./core/loader.js";
import type { BatchOptions } from "./core/target-core.js";
import { assertDatabasePath } from "./duckdb/database-file.js";
import { DuckDbLoader } from "./duckdb/duckdb-loader.js";

export interface TargetSetup {
  loader: Loader;
  batch: BatchOptions;
  /** Where the data goes, for messages ("DuckDB usertesting.duckdb, schema usertesting"). */
  description: string;
}

/** A warehouse the sync command and the target binaries can load into. */
export interface TargetFactory {
  name: string;
  settings: SettingsSchema;
  create(settings: Record<string, unknown>, logger: Logger): TargetSetup;
}

interface DuckDbSettings {
  database: string;
  schema: string;
  batch_size_rows: number;
  batch_max_bytes: number;
  batch_max_age_seconds: number;
}

const duckdb: TargetFactory = {
  name: "duckdb",
  settings: {
    file: "target-duckdb.config.schema.json",
    envPrefix: "TARGET_DUCKDB_",
    label: "The target-duckdb configuration",
    hint: "See the README's target-duckdb settings.",
    subject: "target-duckdb",
  },
  create(settings, logger) {
    const s = settings as unknown as DuckDbSettings;
    // Refused with the other settings, before any input is read or any API call is made.
    assertDatabasePath(s.database);
    return {
      loader: new DuckDbLoader({ database: s.database, schema: s.schema, logger }),
      batch: {
        batchSizeRows: s.batch_size_rows,
        batchMaxBytes: s.batch_max_bytes,
        batchMaxAgeMs: s.batch_max_age_seconds * 1000,
      },
      description: `DuckDB ${s.database}, schema ${s.schema}`,
    };
  },
};

/** Loaders by name. Snowflake and BigQuery join as new files. */
export const TARGETS: Record<string, TargetFactory> = { duckdb };

export function targetByName(name: string): TargetFactory {
  const target = TARGETS[name];
  if (!target) {
    const planned = ["snowflake", "bigquery"].includes(name)
      ? ` The ${name} loader is not part of this version yet.`
      : "";
    throw new ConfigError(
      `Unknown target '${name}'. Available: ${Object.keys(TARGETS).join(", ")}.${planned}`,
    );
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
