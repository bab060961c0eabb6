import { type BatchSettings, batchOptionsOf } from "../core/target-core.js";
import type { TargetFactory } from "../targets.js";
import { BigQueryLoader, type BigQuerySettings } from "./bigquery-loader.js";

type Settings = BigQuerySettings & BatchSettings;

/** target-bigquery: a load job per stream into an expiring staging table, then one MERGE transaction a flush. */
export const bigqueryTarget: TargetFactory = {
  name: "bigquery",
  description:
    "load Singer messages into BigQuery (load jobs into staging tables, one multi-statement MERGE transaction a flush; never insertAll)",
  settings: {
    file: "target-bigquery.config.schema.json",
    envPrefix: "TARGET_BIGQUERY_",
    label: "The target-bigquery configuration",
    hint: "See the README's Load into BigQuery.",
    subject: "target-bigquery",
  },
  create(settings, logger) {
    const s = settings as unknown as Settings;
    return {
      loader: new BigQueryLoader({ ...s, logger }),
      batch: batchOptionsOf(s),
      description: `BigQuery ${s.project}.${s.dataset} (${s.location})`,
    };
  },
};
