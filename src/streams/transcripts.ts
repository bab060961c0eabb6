import { parseWebVtt } from "../transcripts/parse-webvtt.js";
import { defineStream } from "./stream.js";

export const transcripts = defineStream({
  name: "transcripts",
  source: "transcript",
  keyProperties: ["session_id"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  toRows: ({ sessionId, finishTime, vtt }) => {
    const { cues } = parseWebVtt(vtt);
    return [
      {
        session_id: sessionId,
        finish_time: finishTime,
        transcript_vtt: vtt,
        transcript_plain_text: cues.map((c) => (c.speaker ? `${c.speaker}: ${c.text}` : c.text)).join("\n"),
        cues: cues.map((c) => ({ start_ms: c.startMs, end_ms: c.endMs, speaker: c.speaker, text: c.text })),
      },
    ];
  },
});
