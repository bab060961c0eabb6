/** gcs-local: a stand-in for the GCS JSON API (v1), objects in memory, for tests and demos. */
export { crc32c, crc32cBase64 } from "./crc32c.js";
export {
  type GcsLocal,
  type GcsLocalOptions,
  type GcsRoute,
  type RecordedRequest,
  type StoredGcsObject,
  startGcsLocal,
} from "./gcs-local.js";
