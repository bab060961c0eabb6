import type { TargetFactory } from "../targets.js";
import { BigQueryLoader, type BigQuerySettings } from "./bigquery-loader.js";

interface Settings extends BigQuerySettings {
  batch_size_rows: number;
  batch_max_bytes: number;
  batch_max_age_seconds: number;
}

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
      batch: {
        batchSizeRows: s.batch_size_rows,
        batchMaxBytes: s.batch_max_bytes,
        batchMaxAgeMs: s.batch_max_age_seconds * 1000,
      },
      description: `BigQuery ${s.project}.${s.dataset} (${s.location})`,
    };
  },
};
