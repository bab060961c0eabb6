import type { Sandbox } from "../../src/sandbox/index.js";
import { chunkTranscript } from "../../src/transcripts/chunk-transcript.js";
import { parseWebVtt } from "../../src/transcripts/parse-webvtt.js";

/** The settings' defaults (transcript_chunk_chars, transcript_chunk_overlap_chars). */
const DEFAULT_CHUNKING = { maxChars: 2000, overlapChars: 200 };

/**
 * The rows each default stream's table must hold after a full sync of `sandbox`, from its truth:
 * what every loader's end-to-end spec compares its tables with.
 */
export function expectedRowCounts(sandbox: Sandbox): Record<string, number> {
  const data = sandbox.data;
  const completed = data.allListedSessions().filter((s) => s.status === "completed");
  const details = completed.map((s) => data.sessionDetail(s.sessionId));
  const qxGroups = (id: string) =>
    ((data.qxScores(id) as { qxScores?: unknown[] } | undefined)?.qxScores ?? []).length;
  return {
    workspaces: data.workspaces().length,
    tests: data.tests().length,
    sessions: data.allListedSessions().length,
    demographics: details.reduce((n, d) => n + (d?.sessionParticipant?.demographicsInfo.length ?? 0), 0),
    task_groups: details.reduce((n, d) => n + (d?.taskGroups.length ?? 0), 0),
    tasks: details.reduce((n, d) => n + (d?.tasks.length ?? 0), 0),
    transcripts: completed.filter((s) => data.transcript(s.sessionId)).length,
    transcript_chunks: completed.reduce((n, s) => {
      const vtt = data.transcript(s.sessionId)?.vtt;
      return n + (vtt ? chunkTranscript(parseWebVtt(vtt).cues, DEFAULT_CHUNKING).length : 0);
    }, 0),
    qx_scores: data.tests().filter((t) => data.qxScores(t.testId)).length,
    qx_task_group_scores: data.tests().reduce((n, t) => n + qxGroups(t.testId), 0),
  };
}

/** The keys the sessions and tests tables must hold after a full sync of `sandbox`, sorted. */
export function expectedKeys(sandbox: Sandbox): { sessions: string[]; tests: string[] } {
  return {
    sessions: sandbox.data
      .allListedSessions()
      .map((s) => s.sessionId)
      .sort(),
    tests: sandbox.data
      .tests()
      .map((t) => t.testId)
      .sort(),
  };
}
