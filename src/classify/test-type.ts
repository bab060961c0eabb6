import type { ProductType } from "../api/types.js";

/** The test types of classify-tests-by-type.txt, and live conversation from obtain-a-test-id.txt. */
export type TestType = "survey" | "interaction test" | "think-out-loud test" | "live conversation";

export const TEST_TYPE_BY_PRODUCT: Record<ProductType, TestType> = {
  SURVEY: "survey",
  NON_THINK_OUT_LOUD: "interaction test",
  THINK_OUT_LOUD: "think-out-loud test",
  LIVE_CONVERSATION: "live conversation",
};

/** Test type from the workspace listing's fields (zero calls), or null when they are absent or unknown. */
export function testTypeFromListing(study: { type?: string; productType?: string }): TestType | null {
  if (study.type !== "STUDYV2" || !study.productType) return null;
  return TEST_TYPE_BY_PRODUCT[study.productType as ProductType] ?? null;
}

/**
 * Which per-test resources each type can have, read from the documents' own definitions
 * (classify-tests-by-type.txt, step 3): surveys have no video, QX scores or transcript;
 * interaction tests have video and/or QX scores, and, being non-think-out-loud
 * (productType NON_THINK_OUT_LOUD), nothing spoken to transcribe; a test the probe calls
 * think-out-loud answered 404 for video and QX scores. Live conversations are recorded
 * conversations. The sync spends no call on what a type cannot have.
 */
export function mayHave(
  testType: TestType | null,
  classifiedBy: "product_type" | "probe" | null,
): { transcripts: boolean; qxScores: boolean } {
  switch (testType) {
    case "survey":
      return { transcripts: false, qxScores: false };
    case "interaction test":
      // A probe cannot tell a live conversation (video too) from an interaction test: keep asking.
      return { transcripts: classifiedBy !== "product_type", qxScores: true };
    case "think-out-loud test":
      return { transcripts: true, qxScores: false };
    default:
      return { transcripts: true, qxScores: true };
  }
}
