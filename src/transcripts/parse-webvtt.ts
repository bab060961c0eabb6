import { createRequire } from "node:module";
import type { CueNode } from "webvtt-parser";
import webvtt from "webvtt-parser";

// The parser's built-in table knows "&amp" but not "&amp;" and turns "&amp;" into "&;".
// Its full HTML entity table, shipped in the same package, decodes every character reference.
const entities = createRequire(import.meta.url)("webvtt-parser/html-entities.json") as Record<string, string>;

/** A transcript cue as warehouse tables keep it. */
export interface Cue {
  startMs: number;
  endMs: number;
  /** The `<v>` voice annotation, or null when the cue names no speaker. */
  speaker: string | null;
  /** Text with markup removed and character references decoded; cue lines joined by "\n". */
  text: string;
}

export interface ParsedTranscript {
  cues: Cue[];
  /** Problems the parser reported, with the line they are on (the cues are still recovered). */
  errors: Array<{ message: string; line: number }>;
}

function collect(nodes: readonly CueNode[] | undefined, out: { text: string; speaker: string | null }): void {
  for (const node of nodes ?? []) {
    if (node.type === "text") out.text += String(node.value ?? "");
    else if (node.type === "object") {
      if (node.name === "v" && out.speaker === null && typeof node.value === "string")
        out.speaker = node.value;
      collect(node.children, out);
    }
  }
}

/**
 * Parses WebVTT with the W3C's spec-conformant parser. Unlike vtt-to-json, it keeps cue
 * identifiers out of the text, keeps every cue (also one whose text repeats the previous
 * one, and the last), and exposes `<v Speaker>` voice spans, which we keep as the speaker.
 */
export function parseWebVtt(vtt: string): ParsedTranscript {
  const parser = new webvtt.WebVTTParser(entities);
  const result = parser.parse(vtt);
  const cues = result.cues.map((cue) => {
    const out = { text: "", speaker: null as string | null };
    collect(cue.tree.children, out);
    return {
      startMs: Math.round(cue.startTime * 1000),
      endMs: Math.round(cue.endTime * 1000),
      speaker: out.speaker,
      text: out.text,
    };
  });
  return { cues, errors: result.errors.map((e) => ({ message: e.message, line: e.line })) };
}
