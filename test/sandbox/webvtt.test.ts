import { describe, expect, it } from "vitest";
import { SandboxDataset } from "../../src/sandbox/index.js";
import { formatTimestamp, type WebVttStyle, writeWebVtt } from "../../src/sandbox/webvtt-writer.js";
import { parseWebVtt } from "../../src/transcripts/parse-webvtt.js";

const plain: WebVttStyle = {
  bom: false,
  crlf: false,
  headerText: null,
  cueIds: "none",
  notes: false,
  settings: false,
  shortTimestamps: false,
  voice: "closed",
};

describe("sandbox transcripts", () => {
  const data = new SandboxDataset();
  const transcripts = data
    .allSessions()
    .map((s) => data.transcript(s.sessionId))
    .filter((t) => t !== undefined);

  it("are valid WebVTT that the W3C parser reads back cue for cue, speakers included", () => {
    expect(transcripts.length).toBeGreaterThan(50);
    for (const transcript of transcripts) {
      const parsed = parseWebVtt(transcript.vtt);
      expect(parsed.errors).toEqual([]);
      expect(parsed.cues).toEqual(transcript.cues);
    }
  });

  it("cover the features real files have", () => {
    const vtts = transcripts.map((t) => t.vtt);
    const some = (test: (vtt: string) => boolean) => vtts.some(test);
    expect(some((v) => v.startsWith("\uFEFFWEBVTT"))).toBe(true);
    expect(some((v) => v.startsWith("WEBVTT"))).toBe(true);
    expect(some((v) => v.includes("\r\n"))).toBe(true);
    expect(some((v) => !v.includes("\r"))).toBe(true);
    expect(some((v) => /\nNOTE[\s\S]*\n\n/.test(v))).toBe(true);
    expect(some((v) => /<v [^>]+>/.test(v))).toBe(true);
    expect(some((v) => /<v\.speaker [^>]+>/.test(v))).toBe(true);
    expect(some((v) => /\n\d+\r?\n\d\d:\d\d/.test(v))).toBe(true);
    expect(some((v) => /\n(utterance|cue)-\d+\r?\n/.test(v))).toBe(true);
    expect(some((v) => / --> \S+ align:start position:10% line:85%/.test(v))).toBe(true);
    expect(some((v) => /\n\d\d:\d\d\.\d{3} --> /.test(v))).toBe(true);
    expect(some((v) => v.includes("&amp;"))).toBe(true);
    expect(transcripts.some((t) => t.cues.some((c) => c.text.includes("\n")))).toBe(true);
    expect(transcripts.some((t) => t.cues.some((c) => c.speaker === "Moderator"))).toBe(true);
    expect(transcripts.some((t) => t.cues.every((c) => c.speaker === null))).toBe(true);
    // Every file has two consecutive cues with the same text.
    for (const t of transcripts)
      expect(t.cues.some((c, i) => i > 0 && t.cues[i - 1]?.text === c.text)).toBe(true);
  });

  it.each([
    [0, false, "00:00:00.000"],
    [61_005, true, "01:01.005"],
    [3_600_000 + 61_005, true, "01:01:01.005"],
    [59_999, false, "00:00:59.999"],
  ])("formats %i ms (short: %s) as %s", (ms, short, expected) => {
    expect(formatTimestamp(ms, short)).toBe(expected);
  });

  it("escapes markup characters in cue text", () => {
    const vtt = writeWebVtt([{ startMs: 0, endMs: 1000, speaker: "Zoë", text: "1 < 2 & 3 > 2" }], plain);
    expect(vtt).toBe("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Zoë>1 &lt; 2 &amp; 3 &gt; 2</v>\n");
    expect(parseWebVtt(vtt).cues[0]).toEqual({
      startMs: 0,
      endMs: 1000,
      speaker: "Zoë",
      text: "1 < 2 & 3 > 2",
    });
  });
});
