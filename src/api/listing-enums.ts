/**
 * The workspace listing's `type` and `productType`. obtain-a-test-id.txt and the OpenAPI's
 * descriptions spell them in upper case (STUDYV2, THINK_OUT_LOUD); the OpenAPI's examples in
 * lower case (`web`, `insight_core`). The tap compares them without case and writes the
 * documented upper-case spelling; a value it does not know is kept as served.
 */
const TYPES = ["STUDYV2", "WEB", "APP", "LIVE", "PROTOTYPE", "EXTERNAL_UPLOAD", "STUDY_VIDEO_UPLOAD"];
const PRODUCT_TYPES = [
  "SURVEY",
  "NON_THINK_OUT_LOUD",
  "THINK_OUT_LOUD",
  "LIVE_CONVERSATION",
  "INSIGHT_CORE",
  "PRODUCT_INSIGHT",
  "MARKET_INSIGHT",
  "STUDY_VIDEO_UPLOAD",
];

const lookup = (values: string[]) => new Map(values.map((v) => [keyOf(v), v]));
const keyOf = (raw: string) => raw.toUpperCase().replace(/[^A-Z0-9]/g, "");
const knownTypes = lookup(TYPES);
const knownProductTypes = lookup(PRODUCT_TYPES);

function normalise(raw: unknown, known: Map<string, string>): string | undefined {
  if (typeof raw !== "string" || raw.trim() === "") return undefined;
  return known.get(keyOf(raw)) ?? raw;
}

export const normaliseStudyType = (raw: unknown): string | undefined => normalise(raw, knownTypes);
export const normaliseProductType = (raw: unknown): string | undefined => normalise(raw, knownProductTypes);
