import type { TargetFactory } from "../targets.js";
import { assertDatabasePath } from "./database-file.js";
import { DuckDbLoader } from "./duckdb-loader.js";

interface DuckDbSettings {
  database: string;
  schema: string;
  batch_size_rows: number;
  batch_max_bytes: number;
  batch_max_age_seconds: number;
}

/** target-duckdb: the embedded default. */
export const duckdbTarget: TargetFactory = {
  name: "duckdb",
  description: "load Singer messages into a DuckDB database file (NDJSON staged, read_json, MERGE)",
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
