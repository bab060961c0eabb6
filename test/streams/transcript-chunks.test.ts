import { describe, expect, it } from "vitest";
import { streamSchema } from "../../src/streams/registry.js";
import { transcriptChunks } from "../../src/streams/transcript-chunks.js";
import { defaultSelection } from "../../src/tap/catalog.js";
import { createAjv } from "../../src/util/json-schema.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

describe("the transcript_chunks stream", () => {
  it.each([
    // The sandbox's transcripts (6 to 30 cues) each fit one chunk of 2,000 characters.
    ["the default settings", { maxChars: 2000, overlapChars: 200 }, 1],
    ["small chunks", { maxChars: 200, overlapChars: 60 }, 2],
  ])(
    "cuts every sandbox transcript, with %s, into rows its schema accepts, keyed uniquely",
    async (_, chunking, least) => {
      const sandbox = await useSandbox();
      const validate = createAjv().compile(streamSchema("transcript_chunks"));
      const keys = new Set<string>();
      let transcripts = 0;
      for (const session of sandbox.data.allListedSessions()) {
        const transcript = sandbox.data.transcript(session.sessionId);
        if (!transcript || session.status !== "completed") continue;
        transcripts++;
        const input = {
          sessionId: session.sessionId,
          finishTime: session.finishTime,
          vtt: transcript.vtt,
          chunking,
        };
        const rows = transcriptChunks.toRows(input);
        expect(rows.length).toBeGreaterThan(0);
        expect(transcriptChunks.toRows(structuredClone(input))).toEqual(rows);
        for (const [index, row] of rows.entries()) {
          expect(validate(row), JSON.stringify(validate.errors)).toBe(true);
          expect(row).toMatchObject({ session_id: session.sessionId, finish_time: session.finishTime });
          expect(row.chunk_index).toBe(index);
          expect(row.chunk_count).toBe(rows.length);
          expect(row.char_count as number).toBeLessThanOrEqual(chunking.maxChars);
          keys.add(`${row.session_id} ${row.chunk_index}`);
        }
      }
      expect(transcripts).toBeGreaterThan(50);
      expect(keys.size).toBeGreaterThanOrEqual(least * transcripts);
    },
  );

  it("is synced by default, from the transcripts already fetched: no API call of its own", async () => {
    expect(defaultSelection().streams.has("transcript_chunks")).toBe(true);
    const sandbox = await useSandbox();
    const runs = [];
    for (const streams of [["transcripts"], ["transcripts", "transcript_chunks"]]) {
      const before = sandbox.requests.length;
      const run = await runTapOn(sandbox, { streams });
      expect(run.error).toBeUndefined();
      runs.push({
        run,
        requests: sandbox.requests.length - before,
        transcriptCalls: run.calls("transcript"),
      });
    }
    const [alone, withChunks] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(withChunks.requests).toBe(alone.requests);
    expect(withChunks.transcriptCalls).toBe(alone.transcriptCalls);
    expect(alone.transcriptCalls).toBeGreaterThan(50);

    // One set of chunks per transcript synced, cut with the default settings (2,000 and 200).
    const transcripts = withChunks.run.sink.records("transcripts");
    const chunks = withChunks.run.sink.records("transcript_chunks");
    expect(alone.run.sink.records("transcript_chunks")).toEqual([]);
    expect(transcripts.length).toBeGreaterThan(50);
    expect(chunks).toEqual(
      transcripts.flatMap((t) =>
        transcriptChunks.toRows({
          sessionId: t.session_id as string,
          finishTime: t.finish_time as string | null,
          vtt: t.transcript_vtt as string,
          chunking: { maxChars: 2000, overlapChars: 200 },
        }),
      ),
    );
  });
});
