import { type BatchSettings, batchOptionsOf } from "../core/target-core.js";
import type { TargetFactory } from "../targets.js";
import { assertDatabasePath } from "./database-file.js";
import { DuckDbLoader } from "./duckdb-loader.js";

interface DuckDbSettings extends BatchSettings {
  database: string;
  schema: string;
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
      batch: batchOptionsOf(s),
      description: `DuckDB ${s.database}, schema ${s.schema}`,
    };
  },
};
