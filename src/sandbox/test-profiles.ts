import type { ProductType, TestType } from "./model.js";

/**
 * The kinds of test the sandbox generates, as data. Each workspace walks this list in order
 * (then draws at random), so every kind the vendor documents appears in every workspace of
 * twelve or more tests, including the awkward ones: classic tests (404 on the Results API),
 * tests with no sessions yet, tests whose newest session is still in progress (the vendor's
 * reference script probes that session and calls the test a survey), and a test whose only
 * session is still in progress (it cannot be classified by probing yet).
 */
export interface TestProfile {
  name: string;
  api: "results_api" | "classic";
  productType: ProductType | null;
  classicKind: string | null;
  video: boolean;
  qxScores: boolean;
  transcripts: boolean;
  /**
   * What the workspace listing says of the test, when it says anything: STUDYV2 and the product
   * type for Results API tests; the classic format and INSIGHT_CORE, "the default for classic
   * studies" (OpenAPI WorkspaceStudy descriptions), for classic ones.
   */
  listingType: string;
  listingProductType: string;
  /** none: never any; later: none until the first epoch advance; only-in-progress: one unfinished session. */
  sessions: "normal" | "none" | "later" | "only-in-progress";
  newestInProgress: boolean;
}

const results = (
  name: string,
  productType: ProductType,
  media: { video?: boolean; qxScores?: boolean; transcripts?: boolean },
  sessions: Partial<Pick<TestProfile, "sessions" | "newestInProgress">> = {},
): TestProfile => ({
  name,
  api: "results_api",
  productType,
  classicKind: null,
  listingType: "STUDYV2",
  listingProductType: productType,
  video: media.video ?? false,
  qxScores: media.qxScores ?? false,
  transcripts: media.transcripts ?? false,
  sessions: sessions.sessions ?? "normal",
  newestInProgress: sessions.newestInProgress ?? false,
});

const classic = (classicKind: string, listingType: string): TestProfile => ({
  name: `classic ${classicKind}`,
  api: "classic",
  productType: null,
  classicKind,
  listingType,
  listingProductType: "INSIGHT_CORE",
  video: false,
  qxScores: false,
  transcripts: false,
  sessions: "none",
  newestInProgress: false,
});

/** Walked in order for the first tests of every workspace. */
export const PROFILE_CYCLE: readonly TestProfile[] = [
  results("survey", "SURVEY", {}),
  results("interaction, video and QX scores", "NON_THINK_OUT_LOUD", { video: true, qxScores: true }),
  results("think-out-loud", "THINK_OUT_LOUD", { transcripts: true }),
  classic("Web Test", "WEB"),
  results("interaction, video only", "NON_THINK_OUT_LOUD", { video: true }),
  results("live conversation", "LIVE_CONVERSATION", { video: true, transcripts: true }),
  results("survey with no sessions yet", "SURVEY", {}, { sessions: "later" }),
  results("interaction, QX scores only", "NON_THINK_OUT_LOUD", { qxScores: true }),
  classic("Prototype Test", "PROTOTYPE"),
  results(
    "think-out-loud, newest in progress",
    "THINK_OUT_LOUD",
    { transcripts: true },
    { newestInProgress: true },
  ),
  results(
    "interaction, video only, newest in progress",
    "NON_THINK_OUT_LOUD",
    { video: true },
    { newestInProgress: true },
  ),
  results(
    "think-out-loud, only session in progress",
    "THINK_OUT_LOUD",
    { transcripts: true },
    { sessions: "only-in-progress" },
  ),
  results(
    "think-out-loud with no sessions yet",
    "THINK_OUT_LOUD",
    { transcripts: true },
    { sessions: "none" },
  ),
  classic("App Test", "APP"),
];

/** Drawn from, with these weights, once a workspace has used up the cycle. */
export const PROFILE_MIX: ReadonlyArray<{ profile: TestProfile; weight: number }> = [
  { profile: PROFILE_CYCLE[0] as TestProfile, weight: 4 },
  { profile: PROFILE_CYCLE[1] as TestProfile, weight: 3 },
  { profile: PROFILE_CYCLE[2] as TestProfile, weight: 3 },
  { profile: PROFILE_CYCLE[4] as TestProfile, weight: 2 },
  { profile: PROFILE_CYCLE[5] as TestProfile, weight: 1 },
  { profile: PROFILE_CYCLE[7] as TestProfile, weight: 1 },
  { profile: classic("Live Conversation (Classic)", "LIVE"), weight: 1 },
  { profile: classic("Video Upload (Classic)", "EXTERNAL_UPLOAD"), weight: 1 },
  { profile: PROFILE_CYCLE[3] as TestProfile, weight: 2 },
];

export { TEST_TYPE_BY_PRODUCT as PRODUCT_TEST_TYPE } from "../classify/test-type.js";

interface ProbeFindings {
  video: boolean;
  qxScores: boolean;
  transcript: boolean;
}

/**
 * What probing should conclude, in the order the tap probes: a transcript means something was
 * spoken, so think-out-loud (a live conversation, with video too, probes as think-out-loud, and
 * so does a think-out-loud test with video under the OpenAPI's reading); else video or QX scores
 * mean an interaction test; else a survey.
 */
export function probeDecision(found: ProbeFindings): TestType {
  if (found.transcript) return "think-out-loud test";
  if (found.video || found.qxScores) return "interaction test";
  return "survey";
}

/** The vendor script's own rule (classify-tests-by-type.txt, step 3): video or QX → interaction; transcript → think-out-loud; else survey. */
export function vendorProbeDecision(found: ProbeFindings): TestType {
  if (found.video || found.qxScores) return "interaction test";
  if (found.transcript) return "think-out-loud test";
  return "survey";
}
