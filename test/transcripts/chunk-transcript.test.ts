import { describe, expect, it } from "vitest";
import { Random } from "../../src/sandbox/random.js";
import { chunkTranscript, type TranscriptChunk } from "../../src/transcripts/chunk-transcript.js";
import type { Cue } from "../../src/transcripts/parse-webvtt.js";

/** Cues 1 s long, back to back, from 0. */
const cues = (...lines: Array<[string | null, string]>): Cue[] =>
  lines.map(([speaker, text], i) => ({ startMs: i * 1000, endMs: i * 1000 + 1000, speaker, text }));
const texts = (chunks: TranscriptChunk[]) => chunks.map((c) => c.text);
const length = (s: string) => [...s].length;
/** `n` sentences of the form "Sentence 1 is here." (20 characters, with the space after it). */
const sentences = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => `Sentence ${String(from + i).padStart(2, "0")} is here.`).join(" ");

describe("chunkTranscript: turns", () => {
  it("gives no chunk for an empty transcript, nor for cues without text", () => {
    expect(chunkTranscript([], { maxChars: 2000, overlapChars: 200 })).toEqual([]);
    expect(chunkTranscript(cues(["P", " "], [null, "\n"]), { maxChars: 2000, overlapChars: 200 })).toEqual(
      [],
    );
  });

  it("merges consecutive cues of one speaker into one 'Speaker: text' line, white space collapsed", () => {
    const chunks = chunkTranscript(
      cues(
        ["Moderator", "Hi. Ready?"],
        ["Participant", "Yes."],
        ["Participant", "Let me  see…\nthe home page."],
        ["", "Blank speakers count as none."],
        ["Moderator", "Go ahead."],
      ),
      { maxChars: 2000, overlapChars: 200 },
    );
    expect(chunks).toEqual([
      {
        index: 0,
        text: "Moderator: Hi. Ready?\nParticipant: Yes. Let me see… the home page.\nBlank speakers count as none.\nModerator: Go ahead.",
        charCount: 117,
        overlapChars: 0,
        startMs: 0,
        endMs: 5000,
        speakers: ["Moderator", "Participant"],
      },
    ]);
  });

  it("keeps cues without a speaker as bare lines, adjacent ones merged into one turn", () => {
    const [chunk] = chunkTranscript(
      cues([null, "So this is it."], [null, "It works."], ["Participant", "Right."], [null, "Noise."]),
      { maxChars: 2000, overlapChars: 0 },
    );
    expect(chunk?.text).toBe("So this is it. It works.\nParticipant: Right.\nNoise.");
    expect(chunk?.speakers).toEqual(["Participant"]);
  });

  it("ignores an empty cue between two of the same speaker (one turn)", () => {
    const [chunk] = chunkTranscript(cues(["P", "One."], ["P", ""], ["P", "Two."]), {
      maxChars: 100,
      overlapChars: 0,
    });
    expect(chunk?.text).toBe("P: One. Two.");
  });

  it("is deterministic: the same transcript gives the same chunks", () => {
    const transcript = cues(["A", sentences(30)], ["B", sentences(12)], [null, sentences(7)]);
    const options = { maxChars: 200, overlapChars: 60 };
    const first = chunkTranscript(transcript, options);
    expect(first.length).toBeGreaterThan(3);
    expect(chunkTranscript(structuredClone(transcript), { ...options })).toEqual(first);
  });

  it.each([
    [{ maxChars: 15, overlapChars: 0 }],
    [{ maxChars: 200.5, overlapChars: 0 }],
    [{ maxChars: 200, overlapChars: -1 }],
    [{ maxChars: 200, overlapChars: Number.NaN }],
  ])("refuses %o", (options) => {
    expect(() => chunkTranscript(cues(["P", "Hi."]), options)).toThrow(RangeError);
  });
});

describe("chunkTranscript: where a chunk ends", () => {
  it("ends at a turn end rather than mid-turn, when that leaves the chunk at least half full", () => {
    // 53 + 1 + 53 characters fit in 120 with room for a sentence of the third turn: the chunk ends
    // after the second turn all the same.
    const transcript = cues(["A", sentences(2)], ["B", sentences(2, 3)], ["A", sentences(4, 5)]);
    const chunks = chunkTranscript(transcript, { maxChars: 120, overlapChars: 0 });
    expect(texts(chunks)).toEqual([
      "A: Sentence 01 is here. Sentence 02 is here.\nB: Sentence 03 is here. Sentence 04 is here.",
      `A: ${sentences(4, 5)}`,
    ]);
  });

  it("ends at a sentence end inside a turn too long for a chunk, and repeats the speaker after it", () => {
    const chunks = chunkTranscript(cues(["Participant", sentences(10)]), { maxChars: 100, overlapChars: 0 });
    expect(texts(chunks)).toEqual([
      `Participant: ${sentences(4)}`,
      `Participant: ${sentences(4, 5)}`,
      `Participant: ${sentences(2, 9)}`,
    ]);
  });

  it("ends at a sentence end rather than after a turn that would leave the chunk less than half full", () => {
    const chunks = chunkTranscript(cues(["A", "Yes."], ["B", sentences(10)]), {
      maxChars: 100,
      overlapChars: 0,
    });
    expect(texts(chunks)[0]).toBe(`A: Yes.\nB: ${sentences(4)}`);
  });

  it("ends at a word boundary inside a sentence too long for a chunk", () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
    const chunks = chunkTranscript(cues(["P", `${words}.`]), { maxChars: 60, overlapChars: 0 });
    for (const chunk of chunks) expect(chunk.charCount).toBeLessThanOrEqual(60);
    expect(chunks.map((c) => c.text.replace(/^P: /, "")).join(" ")).toBe(`${words}.`);
    expect(texts(chunks)[0]).toBe("P: word0 word1 word2 word3 word4 word5 word6 word7 word8");
  });

  it("cuts one huge sentence (no punctuation, 10,000 characters) at word boundaries into full chunks", () => {
    const huge = Array.from({ length: 1429 }, (_, i) => `w${String(i).padStart(5, "0")}`).join(" ");
    const chunks = chunkTranscript(cues(["P", huge]), { maxChars: 2000, overlapChars: 200 });
    expect(chunks.length).toBe(6);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.charCount).toBeGreaterThan(1990);
    for (const chunk of chunks) expect(chunk.charCount).toBeLessThanOrEqual(2000);
    // No sentence to repeat: no overlap.
    expect(chunks.map((c) => c.overlapChars)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(chunks.map((c) => c.text.slice(3)).join(" ")).toBe(huge);
  });

  it("hard-cuts only a word longer than a chunk, at grapheme boundaries", () => {
    const word = "👨‍👩‍👧".repeat(20); // 5 code points each, 7 UTF-16 units
    const chunks = chunkTranscript(cues(["P", `Look ${word} there.`]), { maxChars: 40, overlapChars: 0 });
    expect(texts(chunks)).toEqual([
      "P: Look",
      `P: ${"👨‍👩‍👧".repeat(7)}`,
      `P: ${"👨‍👩‍👧".repeat(7)}`,
      `P: ${"👨‍👩‍👧".repeat(6)} there.`,
    ]);
    expect(chunks.map((c) => c.charCount)).toEqual([7, 38, 38, 40]);
  });

  it("never splits a surrogate pair, even inside one grapheme cluster longer than a chunk", () => {
    const cluster = `👍${"\u{1F3FB}".repeat(40)}`; // one cluster of 41 astral code points
    const chunks = chunkTranscript(cues(["P", cluster]), { maxChars: 20, overlapChars: 0 });
    for (const chunk of chunks) {
      expect(chunk.text).not.toMatch(/\p{Surrogate}/u);
      expect(chunk.charCount).toBeLessThanOrEqual(20);
    }
    expect(chunks.map((c) => c.text.slice(3)).join("")).toBe(cluster);
  });

  it("counts code points: an emoji is one character, as SQL LENGTH counts it", () => {
    const [chunk] = chunkTranscript(cues(["Zoë", "Très bien 👍🏽 🇫🇷."]), { maxChars: 100, overlapChars: 0 });
    expect(chunk?.text).toBe("Zoë: Très bien 👍🏽 🇫🇷.");
    expect(chunk?.charCount).toBe(21);
    expect(chunk?.text.length).toBe(25);
  });

  it("ends CJK sentences at 。！？ (no space after them) and breaks between CJK characters", () => {
    const text = "今日は晴れです。明日は雨ですか？たぶん、そうです！";
    const bySentence = chunkTranscript(cues(["参加者", text]), { maxChars: 21, overlapChars: 0 });
    expect(texts(bySentence)).toEqual([
      "参加者: 今日は晴れです。明日は雨ですか？",
      "参加者: たぶん、そうです！",
    ]);
    const byCharacter = chunkTranscript(cues([null, "あいうえおかきくけこさしすせそたちつてとなにぬねの"]), {
      maxChars: 16,
      overlapChars: 0,
    });
    expect(texts(byCharacter)).toEqual(["あいうえおかきくけこさしすせそた", "ちつてとなにぬねの"]);
  });

  it("keeps closing quotes and brackets with their sentence", () => {
    const chunks = chunkTranscript(cues(["P", `He said "it is fine." (Really!) ${"x ".repeat(20)}end.`]), {
      maxChars: 40,
      overlapChars: 0,
    });
    expect(texts(chunks)[0]).toBe('P: He said "it is fine." (Really!)');
  });

  it("shortens a speaker name too long for a quarter of a chunk in prefixes, not in speakers", () => {
    const name = "Participant with a very long display name";
    const [first] = chunkTranscript(cues([name, "Fine."]), { maxChars: 40, overlapChars: 0 });
    expect(first?.text).toBe("Partici…: Fine.");
    expect(first?.speakers).toEqual([name]);
  });
});

describe("chunkTranscript: overlap", () => {
  it("starts the next chunk with the last whole sentences of the previous one, within overlapChars", () => {
    const chunks = chunkTranscript(cues(["Participant", sentences(10)]), { maxChars: 100, overlapChars: 45 });
    expect(texts(chunks)).toEqual([
      `Participant: ${sentences(4)}`,
      `Participant: ${sentences(1, 4)} ${sentences(3, 5)}`,
      `Participant: ${sentences(1, 7)} ${sentences(3, 8)}`,
    ]);
    // "Participant: Sentence 04 is here." and the space after it (two sentences are 55).
    expect(chunks.map((c) => c.overlapChars)).toEqual([0, 34, 34]);
    for (const c of chunks.slice(1)) expect(c.text.slice(c.overlapChars)).toMatch(/^Sentence \d\d/);
  });

  it("takes as many sentences as fit, across turns, from what the previous chunk added", () => {
    const transcript = cues(["A", sentences(3)], ["B", "Short one. Two."], ["A", sentences(5, 4)]);
    const chunks = chunkTranscript(transcript, { maxChars: 100, overlapChars: 60 });
    expect(texts(chunks)).toEqual([
      `A: ${sentences(3)}\nB: Short one. Two.`,
      `A: Sentence 03 is here.\nB: Short one. Two.\nA: ${sentences(2, 4)}`,
      // All the previous chunk added fits in 60: all of it is repeated.
      `A: ${sentences(4, 4)}`,
      `A: ${sentences(3, 6)}`,
    ]);
    expect(chunks[1]?.overlapChars).toBe(43);
    expect(chunks[1]?.text.slice(43)).toBe(`A: ${sentences(2, 4)}`);
  });

  it("adds none with overlapChars 0, nor when the last sentence is longer than overlapChars", () => {
    const none = chunkTranscript(cues(["P", sentences(10)]), { maxChars: 100, overlapChars: 0 });
    expect(none.every((c) => c.overlapChars === 0)).toBe(true);
    const tooLong = chunkTranscript(cues(["P", sentences(10)]), { maxChars: 100, overlapChars: 20 });
    expect(tooLong.every((c) => c.overlapChars === 0)).toBe(true);
  });

  it("is at most half a chunk, whatever overlapChars says", () => {
    const chunks = chunkTranscript(cues(["P", sentences(20)]), { maxChars: 100, overlapChars: 10_000 });
    for (const c of chunks) {
      expect(c.charCount).toBeLessThanOrEqual(100);
      expect(c.overlapChars).toBeLessThanOrEqual(50);
    }
    expect(chunks.slice(1).every((c) => c.overlapChars === 45)).toBe(true);
  });

  it("is left out where it would make a chunk end mid-sentence", () => {
    // A sentence of 91 characters fits a 100-character chunk alone, not after "P: Short. ".
    const long = `${"word ".repeat(17)}lasts.`;
    const chunks = chunkTranscript(cues(["P", `Short. ${long}`]), { maxChars: 100, overlapChars: 30 });
    expect(texts(chunks)).toEqual(["P: Short.", `P: ${long}`]);
  });

  it("spans in start_ms and end_ms the cues its text comes from, the overlap included", () => {
    const transcript = cues(["P", "One is here."], ["P", "Two is here."], ["P", "Three is here."]);
    const chunks = chunkTranscript(transcript, { maxChars: 32, overlapChars: 16 });
    expect(chunks.map((c) => [c.text, c.startMs, c.endMs])).toEqual([
      ["P: One is here. Two is here.", 0, 2000],
      ["P: Two is here. Three is here.", 1000, 3000],
    ]);
  });
});

describe("chunkTranscript: properties over generated transcripts", () => {
  const SPEAKERS = ["Participant", "Moderator", "Ana María", "参加者", null] as const;
  const WORDS = [
    "okay",
    "the",
    "search",
    "bar",
    "café",
    "naïve",
    "👍",
    "👨‍👩‍👧",
    "🇫🇷",
    "e\u0301t\u00e9",
    "price",
  ];
  const ENDS = [".", ".", "!", "?", "…", '."', "?)", ""];

  function sentence(rng: Random): string {
    if (rng.chance(0.1))
      return rng.pick(["今日は晴れです。", "明日は雨ですか？", "そうです！", "たぶん、そう思います。"]);
    if (rng.chance(0.03)) return `${"x".repeat(rng.int(50, 400))}.`;
    const words = Array.from({ length: rng.int(1, 25) }, () => rng.pick(WORDS));
    return `${words.join(rng.chance(0.1) ? "  " : " ")}${rng.pick(ENDS)}`;
  }

  function transcript(rng: Random): Cue[] {
    let clock = 0;
    return Array.from({ length: rng.int(0, 40) }, () => {
      const text = Array.from({ length: rng.int(1, 4) }, () => sentence(rng)).join(
        rng.chance(0.2) ? "\n" : " ",
      );
      const startMs = clock;
      clock += rng.int(500, 5000);
      return { startMs, endMs: clock, speaker: rng.pick(SPEAKERS), text };
    });
  }

  /** The turns the chunks must hold, from the cues by the documented rule. */
  function expectedTurns(transcript: Cue[]): Array<{ speaker: string | null; text: string[] }> {
    const turns: Array<{ speaker: string | null; text: string[] }> = [];
    for (const cue of transcript) {
      const text = cue.text.replace(/\s+/g, " ").trim();
      const last = turns.at(-1);
      if (last && last.speaker === cue.speaker) last.text.push(" ", ...text);
      else turns.push({ speaker: cue.speaker, text: [...text] });
    }
    return turns;
  }

  function parseLine(line: string): { speaker: string | null; text: string } {
    for (const s of SPEAKERS)
      if (s && line.startsWith(`${s}: `)) return { speaker: s, text: line.slice(s.length + 2) };
    return { speaker: null, text: line };
  }

  /** What a chunk adds: its lines after the overlap, the first flagged when it continues the overlap's line. */
  function freshLines(chunk: TranscriptChunk) {
    const chars = [...chunk.text];
    const overlap = chars.slice(0, chunk.overlapChars).join("");
    const lines = chars.slice(chunk.overlapChars).join("").split("\n");
    const continues = chunk.overlapChars > 0 && !overlap.endsWith("\n");
    const overlapSpeaker = parseLine(overlap.split("\n").at(-1) ?? "").speaker;
    return lines.map((line, k) =>
      k === 0 && continues
        ? { speaker: overlapSpeaker, text: line, continues }
        : { ...parseLine(line), continues: false },
    );
  }

  const OPTIONS = [
    { maxChars: 60, overlapChars: 0 },
    { maxChars: 80, overlapChars: 30 },
    { maxChars: 200, overlapChars: 50 },
    { maxChars: 500, overlapChars: 200 },
    { maxChars: 2000, overlapChars: 200 },
    { maxChars: 300, overlapChars: 10_000 },
  ];

  it("hold for 100 seeded transcripts under each of six settings", () => {
    let chunkCount = 0;
    let overlapped = 0;
    for (let n = 0; n < 100; n++) {
      const cues = transcript(new Random("chunk-transcript", n));
      const turns = expectedTurns(cues);
      for (const options of OPTIONS) {
        const label = `transcript ${n}, ${JSON.stringify(options)}`;
        const chunks = chunkTranscript(cues, options);
        expect(chunkTranscript(structuredClone(cues), options), label).toEqual(chunks);
        expect(chunks.length === 0, label).toBe(turns.length === 0);
        chunkCount += chunks.length;

        // Every chunk fits, counts its characters right, and holds no broken surrogate.
        for (const [k, c] of chunks.entries()) {
          expect(c.index, label).toBe(k);
          expect(c.charCount, label).toBe(length(c.text));
          expect(c.charCount, label).toBeLessThanOrEqual(options.maxChars);
          expect(c.text, label).not.toMatch(/\p{Surrogate}/u);
          expect(c.startMs, label).toBeLessThanOrEqual(c.endMs);
          if (k > 0) expect(c.startMs, label).toBeGreaterThanOrEqual(chunks[k - 1]?.startMs ?? 0);
        }

        // The overlap: whole sentences ending the previous chunk's new text, within its bound.
        for (const [k, c] of chunks.entries()) {
          expect(c.overlapChars, label).toBeLessThanOrEqual(
            Math.min(options.overlapChars, options.maxChars / 2),
          );
          if (k === 0 || c.overlapChars === 0) continue;
          overlapped++;
          const previous = chunks[k - 1] as TranscriptChunk;
          const overlap = [...c.text]
            .slice(0, c.overlapChars)
            .join("")
            .replace(/[ \n]$/, "");
          const [firstLine, ...rest] = overlap.split("\n");
          const body = [parseLine(firstLine ?? "").text, ...rest].join("\n");
          const previousNew = [...previous.text].slice(previous.overlapChars).join("");
          expect(previousNew.endsWith(body), label).toBe(true);
          const before = previous.text.slice(0, previous.text.length - body.length);
          expect(before, label).toMatch(/(^|\n|: |[.!?…。！？]["')」]* |[。！？]["')」]*)$/u);
        }

        // The chunks' new text, speaker prefixes and breaks aside, is the turns' text in order.
        let t = -1;
        let at = 0;
        for (const chunk of chunks)
          for (const [k, line] of freshLines(chunk).entries()) {
            const current = turns[t];
            if (current && at < current.text.length) {
              // Only a chunk's first line continues a turn; the space the break skipped is not in it.
              expect(k, label).toBe(0);
              expect(line.speaker, label).toBe(current.speaker);
              if (current.text[at] === " ") at++;
            } else {
              expect(line.continues, label).toBe(false);
              t++;
              at = 0;
              expect(line.speaker, label).toBe(turns[t]?.speaker);
            }
            const part = [...line.text];
            expect(part.length, label).toBeGreaterThan(0);
            expect(turns[t]?.text.slice(at, at + part.length).join(""), label).toBe(line.text);
            at += part.length;
          }
        expect(t, label).toBe(turns.length - 1);
        if (turns.length > 0) expect(at, label).toBe(turns.at(-1)?.text.length);
      }
    }
    // The generator exercises what it is meant to.
    expect(chunkCount).toBeGreaterThan(3000);
    expect(overlapped).toBeGreaterThan(500);
  });
});
