/** snowflake-local: a stand-in for Snowflake's HTTP protocol, with DuckDB inside, for tests and demos. */
export type { SnowflakeFault, SnowflakeFaults, SnowflakeRoute } from "./faults.js";
export { publicKeyFingerprint } from "./key-pair-auth.js";
export type { Clock } from "./session-store.js";
export { SnowflakeError } from "./snowflake-error.js";
export {
  type ExecutedStatement,
  type LoginAttempt,
  type RecordedRequest,
  type SnowflakeLocal,
  type SnowflakeLocalOptions,
  type SnowflakeLocalUser,
  startSnowflakeLocal,
} from "./snowflake-local.js";
