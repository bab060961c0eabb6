import { defineStream } from "./stream.js";

/**
 * Completed sessions' videos, stored once in the media storage (video-downloads.txt;
 * automated-warehouse-pipeline.txt step 4): one URL request per new video, the download itself
 * outside the rate limit. Off unless a catalog selects it or `media_streams` names it.
 */
export const sessionVideos = defineStream({
  name: "session_videos",
  source: "sessionVideo",
  keyProperties: ["session_id"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  selectedByDefault: false,
  toRows: ({ testId, sessionId, finishTime, stored, contentType, downloadedAt }) => [
    {
      session_id: sessionId,
      test_id: testId,
      finish_time: finishTime,
      storage_path: stored.location,
      bytes: stored.bytes,
      sha256: stored.sha256,
      content_type: contentType,
      downloaded_at: downloadedAt,
    },
  ],
});
