import type { TargetFactory } from "../targets.js";
import type { SnowflakeSettings } from "./snowflake-client.js";
import { SnowflakeLoader } from "./snowflake-loader.js";

interface Settings extends SnowflakeSettings {
  batch_size_rows: number;
  batch_max_bytes: number;
  batch_max_age_seconds: number;
}

/** target-snowflake: gzip NDJSON → PUT → COPY into a temporary table → MERGE, one transaction a flush. */
export const snowflakeTarget: TargetFactory = {
  name: "snowflake",
  description:
    "load Singer messages into Snowflake (gzip NDJSON, PUT to a temporary stage, COPY, one MERGE per stream)",
  settings: {
    file: "target-snowflake.config.schema.json",
    envPrefix: "TARGET_SNOWFLAKE_",
    label: "The target-snowflake configuration",
    hint: "See the README's Load into Snowflake.",
    subject: "target-snowflake",
  },
  create(settings, logger) {
    const s = settings as unknown as Settings;
    return {
      loader: new SnowflakeLoader({ ...s, logger }),
      batch: {
        batchSizeRows: s.batch_size_rows,
        batchMaxBytes: s.batch_max_bytes,
        batchMaxAgeMs: s.batch_max_age_seconds * 1000,
      },
      description: `Snowflake ${s.account}, ${s.database}.${s.schema}`,
    };
  },
};
