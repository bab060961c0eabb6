/** The sandbox of the UserTesting Results API, for tests, benchmarks and the demo. */
export {
  API_SHAPE_VALUES,
  API_SHAPES,
  type ApiShapes,
  DEFAULT_API_SHAPES,
  describeApiShapes,
  parseApiShapes,
} from "./api-shapes.js";
export { type Clock, ManualClock, systemClock } from "./clock.js";
export { type DatasetOptions, type HighlightReelTruth, SandboxDataset } from "./dataset.js";
export type { Fault, FaultOptions, ScriptedFault } from "./faults.js";
export type * from "./model.js";
export {
  DEFAULT_CLIENT,
  type RecordedRequest,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
  TOKEN_PATH,
} from "./server.js";
export { probeDecision, vendorProbeDecision } from "./test-profiles.js";
