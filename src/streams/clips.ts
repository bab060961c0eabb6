import { defineStream } from "./stream.js";

/**
 * The moments researchers marked in a session's video (GET …/sessionResults/{id}/clips). One
 * call per new completed session that can have video: off unless a catalog selects it.
 */
export const clips = defineStream({
  name: "clips",
  source: "clips",
  keyProperties: ["clip_id"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  selectedByDefault: false,
  toRows: ({ testId, sessionId, finishTime, list, extractedAt }) =>
    list.clips.map((c) => ({
      clip_id: c.uuid,
      session_id: sessionId,
      test_id: testId,
      finish_time: finishTime,
      name: c.name,
      description: c.description,
      start_ms: c.timeStartMs,
      end_ms: c.timeEndMs,
      video_id: c.videoUuid,
      has_audio: c.hasAudio,
      has_camera: c.hasCamera,
      layout: c.layout,
      video_regions: list.videoRegions,
      extracted_at: extractedAt,
    })),
});
