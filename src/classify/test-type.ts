import type { ProductType } from "../api/types.js";

/** The test types of classify-tests-by-type.txt, and live conversation from obtain-a-test-id.txt. */
export type TestType = "survey" | "interaction test" | "think-out-loud test" | "live conversation";

export const TEST_TYPE_BY_PRODUCT: Record<ProductType, TestType> = {
  SURVEY: "survey",
  NON_THINK_OUT_LOUD: "interaction test",
  THINK_OUT_LOUD: "think-out-loud test",
  LIVE_CONVERSATION: "live conversation",
};

/**
 * Test type from the workspace listing's fields (zero calls), or null when they are absent or
 * unknown. The fields come normalised to upper case (src/api/listing-enums.ts).
 */
export function testTypeFromListing(study: { type?: string; productType?: string }): TestType | null {
  if (study.type !== "STUDYV2" || !study.productType) return null;
  return TEST_TYPE_BY_PRODUCT[study.productType as ProductType] ?? null;
}

/**
 * Whether the listing alone says the Results API cannot serve a test: a `type` other than
 * STUDYV2 is a classic test (obtain-a-test-id.txt), which needs no call at all.
 */
export const classicByListing = (study: { type?: string }): boolean =>
  study.type !== undefined && study.type !== "STUDYV2";

/**
 * Which per-test resources each type can have, read from the documents' own definitions
 * (classify-tests-by-type.txt, step 3, and the product types each OpenAPI endpoint lists):
 * surveys have no video, QX scores or transcript; interaction tests have video and/or QX
 * scores and, being non-think-out-loud (NON_THINK_OUT_LOUD), nothing spoken to transcribe;
 * QX scores exist only for interaction tests, so not for a test the probe calls
 * think-out-loud (its transcript says it is one, or a live conversation). The sync spends no
 * call on what a type cannot have.
 */
export function mayHave(
  testType: TestType | null,
  classifiedBy: "product_type" | "probe" | null,
): { transcripts: boolean; qxScores: boolean; video: boolean } {
  switch (testType) {
    case "survey":
      return { transcripts: false, qxScores: false, video: false };
    case "interaction test":
      // A state from before the transcript-first probe may call a live conversation (video
      // too) an interaction test: keep asking.
      return { transcripts: classifiedBy !== "product_type", qxScores: true, video: true };
    case "think-out-loud test":
      // The OpenAPI serves think-out-loud video (screen and audio); the guides do not say.
      return { transcripts: true, qxScores: false, video: true };
    default:
      return { transcripts: true, qxScores: true, video: true };
  }
}
