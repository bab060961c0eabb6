import { defineStream } from "./stream.js";

/**
 * A test's highlight reels, metadata only (highlight-reels.txt step 1). One call per Results API
 * test that can have video, every run: off unless a catalog selects it.
 */
export const highlightReels = defineStream({
  name: "highlight_reels",
  source: "highlightReels",
  keyProperties: ["reel_id"],
  replication: { method: "FULL_TABLE" },
  selectedByDefault: false,
  toRows: ({ testId, list, extractedAt }) =>
    list.reels.map((r) => {
      const updated = typeof r.lastUpdatedAtMs === "number" ? new Date(r.lastUpdatedAtMs) : null;
      return {
        reel_id: r.uuid,
        test_id: testId,
        name: typeof r.name === "string" ? r.name : null,
        duration_ms: typeof r.durationMs === "number" ? r.durationMs : null,
        last_updated_at_ms: typeof r.lastUpdatedAtMs === "number" ? r.lastUpdatedAtMs : null,
        last_updated_at: updated && !Number.isNaN(updated.getTime()) ? updated.toISOString() : null,
        num_clips: typeof r.numClips === "number" ? r.numClips : null,
        are_all_clips_in_reel: typeof r.areAllClipsInReel === "boolean" ? r.areAllClipsInReel : null,
        study_with_clips: list.studyWithClips,
        extracted_at: extractedAt,
      };
    }),
});
