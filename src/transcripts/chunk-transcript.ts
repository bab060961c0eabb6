import type { Cue } from "./parse-webvtt.js";

/**
 * Cuts a transcript into chunks for embedding models and LLM prompts, as the vendor's pipeline
 * guide suggests ("Chunk text for LLM usage", automated-warehouse-pipeline.txt, step 3).
 *
 * The contract, in the order it is applied:
 * - Characters are Unicode code points, as SQL `LENGTH` counts them in DuckDB, Snowflake and
 *   BigQuery (and Python's `len`): `char_count = LENGTH(text)`. Text is handled as code points,
 *   so a surrogate pair is never split.
 * - Cues become turns: consecutive cues with the same speaker are one turn, their texts joined by
 *   one space. Speakerless cues follow the same rule (an unknown voice counts as one voice), so a
 *   transcript without `<v>` voices reads as prose instead of one line per cue. Within a cue, any
 *   run of white space (its line breaks included) becomes one space; a cue with no text is left
 *   out. Two adjacent turns therefore never share a speaker.
 * - A chunk's text is its turns, or parts of turns, one line each ("Speaker: text", or the bare
 *   text without a speaker), joined by "\n". A turn continued from the previous chunk repeats its
 *   "Speaker: " prefix. A speaker name too long for a quarter of `maxChars` is shortened with "…"
 *   in prefixes (the row's `speakers` keeps it whole).
 * - A chunk holds at most `maxChars` characters. It ends where the rest of the transcript ends if
 *   that fits; else at a turn end; else at a sentence end (. ! ? … followed by a space or the turn's
 *   end, closing quotes and brackets included; 。！？ anywhere); else at a word boundary (a space,
 *   or between two characters where one is Han, Hiragana or Katakana, which have no spaces); and
 *   only for a word longer than the room left, at a grapheme boundary (a code point boundary for a
 *   cluster longer than that). One exception to that order: a turn end that would leave the
 *   chunk less than half full gives way to a later sentence end, so that a short question shares
 *   its chunk with the start of a long answer instead of making a chunk of its own. A chunk ends
 *   mid-sentence only when it holds no sentence or turn end at all.
 *   There is no abbreviation list: "Mr. Smith" ends a sentence after "Mr.".
 * - Overlap: the next chunk starts with the last whole sentences of what the previous chunk added
 *   (from a sentence start to its end, possibly across turns), as many as fit in `overlapChars`
 *   and in half of `maxChars`. The overlap is shortened, or left out, when it would make the chunk
 *   end mid-sentence where without it it would not (ending at a sentence end instead of a turn
 *   end is no reason: context matters most where a turn was cut). `overlapChars` in the result
 *   counts the overlap as it stands at the start of the text, with the repeated prefix and the one
 *   separator after it ("\n" or a space), so the text after that many characters is what no earlier
 *   chunk holds. Text never appears in more than two chunks.
 * - `startMs`/`endMs` span the cues the chunk's text comes from, the overlap included: seeking a
 *   player to `startMs` plays everything the chunk says.
 * - Pure and deterministic: no clock, no randomness, no locale (only hard cuts use
 *   `Intl.Segmenter`'s grapheme clusters, which depend on nothing but the Unicode version).
 */
export function chunkTranscript(cues: readonly Cue[], options: ChunkOptions): TranscriptChunk[] {
  const { maxChars, overlapChars } = options;
  if (!Number.isInteger(maxChars) || maxChars < MIN_MAX_CHARS)
    throw new RangeError(`maxChars must be an integer of at least ${MIN_MAX_CHARS}, not ${maxChars}`);
  if (!Number.isInteger(overlapChars) || overlapChars < 0)
    throw new RangeError(`overlapChars must be a non-negative integer, not ${overlapChars}`);
  const turns = toTurns(cues, Math.floor(maxChars / 4));
  const overlapBudget = Math.min(overlapChars, Math.floor(maxChars / 2));
  const chunks: TranscriptChunk[] = [];
  let fresh: Position = { t: 0, i: 0 };
  let previous: { fresh: Position; plan: Plan } | null = null;
  while (fresh.t < turns.length) {
    const plain = planChunk(turns, fresh, fresh, maxChars);
    if (!plain) throw new Error("transcript chunker made no progress"); // unreachable: see MIN_MAX_CHARS
    let start = fresh;
    let plan = plain;
    let overlap = 0;
    if (previous && overlapBudget > 0) {
      for (const candidate of overlapStarts(turns, previous.fresh, previous.plan)) {
        const length = renderedLength(turns, candidate, previous.plan.end) + separator(previous.plan);
        if (length > overlapBudget) continue;
        const withOverlap = planChunk(turns, candidate, fresh, maxChars);
        if (withOverlap && Math.min(withOverlap.kind, Kind.sentence) >= Math.min(plain.kind, Kind.sentence)) {
          start = candidate;
          plan = withOverlap;
          overlap = length;
          break;
        }
      }
    }
    chunks.push(toChunk(turns, chunks.length, start, plan.end, overlap));
    previous = { fresh, plan };
    fresh = plan.next;
  }
  return chunks;
}

/** How `chunkTranscript` cuts (the config's transcript_chunk_chars, transcript_chunk_overlap_chars). */
export interface ChunkOptions {
  /** Largest chunk, in code points; at least 16. */
  maxChars: number;
  /** Largest overlap with the previous chunk, in code points; 0 for none. */
  overlapChars: number;
}

export interface TranscriptChunk {
  /** From 0, in transcript order. */
  index: number;
  /** Turns or parts of turns, one "Speaker: text" line each, joined by "\n". */
  text: string;
  /** Code points of `text`, at most `maxChars`. */
  charCount: number;
  /** Code points at the start of `text` that repeat the previous chunk (its separator included). */
  overlapChars: number;
  /** Start of the first cue the chunk's text comes from (the overlap included). */
  startMs: number;
  /** End of the last such cue. */
  endMs: number;
  /** The chunk's speakers, each once, in order of appearance; speakerless turns add none. */
  speakers: string[];
}

/** Room for a shortened prefix (a quarter), an overlap (a half) and progress in every chunk. */
const MIN_MAX_CHARS = 16;

/** The kinds of boundary a chunk may end at, better ones higher. */
const Kind = { codePoint: 0, grapheme: 1, word: 2, sentence: 3, turn: 4 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface Turn {
  speaker: string | null;
  /** Code points of "Speaker: ", shortened to the room a prefix has; empty without a speaker. */
  prefix: string[];
  /** Code points of the turn's text. */
  chars: string[];
  /** Where each cue's text lies in `chars` (end exclusive), with its timing. */
  cues: Array<{ from: number; to: number; startMs: number; endMs: number }>;
  /** Sentence ends and word boundaries inside the turn, ascending: the text before `end` ends a
   * chunk, the next chunk's text starts at `next` (past the space, if there is one). */
  breaks: Array<{ end: number; next: number; kind: Kind }>;
  /** 0 and every position just after a sentence end: where an overlap may start. */
  sentenceStarts: number[];
  graphemeEnds?: number[];
}

/** A place in the transcript: turn `t`, code point `i` of its text. */
interface Position {
  t: number;
  i: number;
}

/** Where a chunk ends (exclusive), where the next one's new text starts, and at what kind of boundary. */
interface Plan {
  end: Position;
  next: Position;
  kind: Kind;
}

const after = (a: Position, b: Position): boolean => a.t > b.t || (a.t === b.t && a.i > b.i);

function toTurns(cues: readonly Cue[], prefixRoom: number): Turn[] {
  const turns: Turn[] = [];
  for (const cue of cues) {
    const text = [...cue.text.replace(/\s+/gu, " ").trim()];
    if (text.length === 0) continue;
    const speaker = cue.speaker?.replace(/\s+/gu, " ").trim() || null;
    let turn = turns.at(-1);
    if (!turn || turn.speaker !== speaker) {
      turn = {
        speaker,
        prefix: prefixOf(speaker, prefixRoom),
        chars: [],
        cues: [],
        breaks: [],
        sentenceStarts: [],
      };
      turns.push(turn);
    } else turn.chars.push(" ");
    turn.cues.push({
      from: turn.chars.length,
      to: turn.chars.length + text.length,
      startMs: cue.startMs,
      endMs: cue.endMs,
    });
    for (const c of text) turn.chars.push(c);
  }
  for (const turn of turns) findBreaks(turn);
  return turns;
}

function prefixOf(speaker: string | null, room: number): string[] {
  if (speaker === null) return [];
  const name = [...speaker];
  const shown = name.length + 2 <= room ? name : [...name.slice(0, Math.max(1, room - 3)), "…"];
  return [...shown, ":", " "];
}

const LATIN_END = /^[.!?…]$/u;
const CJK_END = /^[。！？｡]$/u;
const CLOSER = /^[\p{Pe}\p{Pf}"']$/u;
const CJK = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]$/u;
/** No line break before these (UAX #14's strict rules, abridged): punctuation, small kana, marks. */
const NO_BREAK_BEFORE = /^[\p{P}\p{M}ーぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ々ゝゞヽヾ]$/u;
const OPENER = /^[\p{Ps}\p{Pi}]$/u;

function findBreaks(turn: Turn): void {
  const { chars } = turn;
  const byEnd = new Map<number, { end: number; next: number; kind: Kind }>();
  const add = (end: number, next: number, kind: Kind) => {
    if (end <= 0 || end >= chars.length) return;
    const known = byEnd.get(end);
    if (!known || known.kind < kind) byEnd.set(end, { end, next, kind });
  };
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === " ") add(i, i + 1, Kind.word);
    else if (i > 0) {
      const before = chars[i - 1] as string;
      if (
        before !== " " &&
        (CJK.test(before) || CJK.test(c)) &&
        !NO_BREAK_BEFORE.test(c) &&
        !OPENER.test(before)
      )
        add(i, i, Kind.word);
    }
    if (!LATIN_END.test(c) && !CJK_END.test(c)) continue;
    let j = i + 1;
    let cjk = CJK_END.test(c);
    while (j < chars.length && (LATIN_END.test(chars[j] as string) || CJK_END.test(chars[j] as string)))
      cjk ||= CJK_END.test(chars[j++] as string);
    while (j < chars.length && CLOSER.test(chars[j] as string)) j++;
    if (j < chars.length && chars[j] === " ") add(j, j + 1, Kind.sentence);
    else if (cjk) add(j, j, Kind.sentence);
    i = j - 1;
  }
  turn.breaks = [...byEnd.values()].sort((a, b) => a.end - b.end);
  turn.sentenceStarts = [0, ...turn.breaks.filter((b) => b.kind === Kind.sentence).map((b) => b.next)];
}

/** Code point offsets where the turn's grapheme clusters end, computed on the first hard cut. */
function graphemeEnds(turn: Turn): number[] {
  if (!turn.graphemeEnds) {
    const ends: number[] = [];
    let at = 0;
    for (const { segment } of GRAPHEMES.segment(turn.chars.join(""))) {
      at += [...segment].length;
      ends.push(at);
    }
    turn.graphemeEnds = ends;
  }
  return turn.graphemeEnds;
}
const GRAPHEMES = new Intl.Segmenter("und", { granularity: "grapheme" });

/**
 * The best end for a chunk whose text starts at `start` and whose new text starts at `fresh`
 * (`start` is earlier when the chunk opens with an overlap), or null when no new text fits.
 */
function planChunk(turns: readonly Turn[], start: Position, fresh: Position, maxChars: number): Plan | null {
  const candidates: Array<Plan & { length: number }> = [];
  let length = 0;
  let cut: { t: number; from: number; room: number } | null = null;
  for (let t = start.t; t < turns.length; t++) {
    const turn = turns[t] as Turn;
    const from = t === start.t ? start.i : 0;
    const base = length + (t === start.t ? 0 : 1) + turn.prefix.length;
    const room = maxChars - base;
    if (room <= 0) break;
    for (let k = firstBreakAfter(turn, from); k < turn.breaks.length; k++) {
      const b = turn.breaks[k] as Turn["breaks"][number];
      if (b.end - from > room) break;
      const end = { t, i: b.end };
      if (after(end, fresh))
        candidates.push({ end, next: { t, i: b.next }, kind: b.kind, length: base + b.end - from });
    }
    const whole = turn.chars.length - from;
    if (whole > room) {
      cut = { t, from, room };
      break;
    }
    length = base + whole;
    const end = { t, i: turn.chars.length };
    if (after(end, fresh)) candidates.push({ end, next: { t: t + 1, i: 0 }, kind: Kind.turn, length });
    if (t === turns.length - 1) return candidates.at(-1) ?? null;
  }
  const halfFull = Math.ceil(maxChars / 2);
  for (const kind of [Kind.turn, Kind.sentence])
    for (let k = candidates.length - 1; k >= 0; k--) {
      const c = candidates[k] as Plan & { length: number };
      if (c.kind === kind && c.length >= halfFull) return c;
    }
  for (const kind of [Kind.turn, Kind.sentence, Kind.word])
    for (let k = candidates.length - 1; k >= 0; k--)
      if (candidates[k]?.kind === kind) return candidates[k] ?? null;
  if (!cut) return null;
  // A word longer than the room left: cut it at the last grapheme boundary that fits.
  const turn = turns[cut.t] as Turn;
  const least = cut.t === fresh.t ? Math.max(cut.from, fresh.i) : cut.from;
  const limit = cut.from + cut.room;
  const ends = graphemeEnds(turn);
  for (let k = ends.length - 1; k >= 0; k--) {
    const g = ends[k] as number;
    if (g <= least) break;
    if (g <= limit) return { end: { t: cut.t, i: g }, next: { t: cut.t, i: g }, kind: Kind.grapheme };
  }
  return limit > least
    ? { end: { t: cut.t, i: limit }, next: { t: cut.t, i: limit }, kind: Kind.codePoint }
    : null;
}

/** The index of the turn's first break that ends after `from` (a binary search: monologues are long). */
function firstBreakAfter(turn: Turn, from: number): number {
  let low = 0;
  let high = turn.breaks.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((turn.breaks[middle] as Turn["breaks"][number]).end <= from) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Where an overlap may start in what the previous chunk added, longest overlap first. */
function* overlapStarts(turns: readonly Turn[], fresh: Position, plan: Plan): Generator<Position> {
  for (let t = fresh.t; t <= plan.end.t; t++)
    for (const i of (turns[t] as Turn).sentenceStarts) {
      const position = { t, i };
      if (!after(fresh, position) && after(plan.end, position)) yield position;
    }
}

/** The characters between the end of an overlap and the new text: "\n" before a new turn, else the space skipped. */
const separator = (plan: Plan): number => (plan.next.t !== plan.end.t ? 1 : plan.next.i - plan.end.i);

/** Each turn's part of the text from `start` to `end`. */
function* parts(turns: readonly Turn[], start: Position, end: Position) {
  for (let t = start.t; t <= end.t; t++) {
    const turn = turns[t] as Turn;
    const from = t === start.t ? start.i : 0;
    const to = t === end.t ? end.i : turn.chars.length;
    if (to > from) yield { turn, from, to };
  }
}

function renderedLength(turns: readonly Turn[], start: Position, end: Position): number {
  let length = -1;
  for (const { turn, from, to } of parts(turns, start, end)) length += 1 + turn.prefix.length + to - from;
  return Math.max(0, length);
}

function toChunk(
  turns: readonly Turn[],
  index: number,
  start: Position,
  end: Position,
  overlap: number,
): TranscriptChunk {
  const lines: string[] = [];
  const speakers: string[] = [];
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  let charCount = -1;
  for (const { turn, from, to } of parts(turns, start, end)) {
    lines.push(turn.prefix.join("") + turn.chars.slice(from, to).join(""));
    charCount += 1 + turn.prefix.length + to - from;
    if (turn.speaker !== null && !speakers.includes(turn.speaker)) speakers.push(turn.speaker);
    for (const cue of turn.cues)
      if (cue.from < to && cue.to > from) {
        startMs = Math.min(startMs, cue.startMs);
        endMs = Math.max(endMs, cue.endMs);
      }
  }
  return { index, text: lines.join("\n"), charCount, overlapChars: overlap, startMs, endMs, speakers };
}
