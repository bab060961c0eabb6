import { defineStream } from "./stream.js";

/**
 * A test's highlight reels (highlight-reels.txt): listed per test, each generated and downloaded
 * into the media storage (src/media/media-sync.ts), one row a reel with its metadata, status and
 * file. One list call per Results API test that can have video, every run, plus a request and
 * polls per new reel: off unless a catalog selects it or `media_streams` names it.
 */
export const highlightReels = defineStream({
  name: "highlight_reels",
  source: "highlightReels",
  keyProperties: ["reel_id"],
  replication: { method: "FULL_TABLE" },
  selectedByDefault: false,
  toRows: ({ testId, list, extractedAt, outcomes }) =>
    list.reels.map((r) => {
      const updated = typeof r.lastUpdatedAtMs === "number" ? new Date(r.lastUpdatedAtMs) : null;
      const outcome = outcomes.get(r.uuid);
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
        status: outcome?.status ?? "GENERATING",
        storage_path: outcome?.storage_path ?? null,
        bytes: outcome?.bytes ?? null,
        sha256: outcome?.sha256 ?? null,
        downloaded_at: outcome?.downloaded_at ?? null,
      };
    }),
});
