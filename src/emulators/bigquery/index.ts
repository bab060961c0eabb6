/** bigquery-local: a stand-in for BigQuery's REST API (v2), with DuckDB inside, for tests and demos. */
export { BigQueryError, type BigQueryReason } from "./bigquery-error.js";
export {
  type BigQueryLocal,
  type BigQueryLocalOptions,
  type Clock,
  type JobRecord,
  type RecordedRequest,
  startBigQueryLocal,
} from "./bigquery-local.js";
export type { BigQueryRoute, JobFault } from "./faults.js";
export { BigQueryFaults } from "./faults.js";
export type { FieldSchema } from "./sql-types.js";
