import { type BatchSettings, batchOptionsOf } from "../core/target-core.js";
import type { TargetFactory } from "../targets.js";
import type { SnowflakeSettings } from "./snowflake-client.js";
import { SnowflakeLoader } from "./snowflake-loader.js";

type Settings = SnowflakeSettings & BatchSettings;

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
      batch: batchOptionsOf(s),
      description: `Snowflake ${s.account}, ${s.database}.${s.schema}`,
    };
  },
};
