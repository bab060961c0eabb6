import { chunkTranscript } from "../transcripts/chunk-transcript.js";
import { parseWebVtt } from "../transcripts/parse-webvtt.js";
import { defineStream } from "./stream.js";

/**
 * Each transcript cut for embeddings and LLM prompts ("Chunk text for LLM usage",
 * automated-warehouse-pipeline.txt, step 3), from the transcript the `transcripts` stream fetched:
 * no call of its own. How a chunk is cut: src/transcripts/chunk-transcript.ts.
 */
export const transcriptChunks = defineStream({
  name: "transcript_chunks",
  source: "transcript",
  keyProperties: ["session_id", "chunk_index"],
  replication: { method: "INCREMENTAL", key: "finish_time" },
  // Its history is the transcripts': added to a synced state, it starts from there.
  coveredBy: "transcripts",
  toRows: ({ sessionId, finishTime, vtt, chunking }) => {
    const chunks = chunkTranscript(parseWebVtt(vtt).cues, chunking);
    return chunks.map((c) => ({
      session_id: sessionId,
      finish_time: finishTime,
      chunk_index: c.index,
      chunk_count: chunks.length,
      start_ms: c.startMs,
      end_ms: c.endMs,
      speakers: c.speakers,
      text: c.text,
      char_count: c.charCount,
      overlap_chars: c.overlapChars,
    }));
  },
});
