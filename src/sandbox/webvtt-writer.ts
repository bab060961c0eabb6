import type { TranscriptCue } from "./model.js";

/**
 * How a transcript file is written. Real transcript files differ in all of these, and every
 * one has tripped a WebVTT parser somewhere: a BOM before "WEBVTT", CRLF line ends, cue
 * identifiers that look like text, NOTE blocks, cue settings, short (mm:ss.ttt) timestamps,
 * voice spans with and without a closing tag or a class.
 */
export interface WebVttStyle {
  bom: boolean;
  crlf: boolean;
  headerText: string | null;
  cueIds: "numeric" | "named" | "none";
  notes: boolean;
  settings: boolean;
  shortTimestamps: boolean;
  voice: "closed" | "open" | "classed" | "none";
}

export function formatTimestamp(ms: number, short: boolean): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  const millis = ms % 1000;
  const mmss = `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}.${String(millis).padStart(3, "0")}`;
  return short && hours === 0 ? mmss : `${String(hours).padStart(2, "0")}:${mmss}`;
}

const escapeText = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function cuePayload(cue: TranscriptCue, style: WebVttStyle): string {
  const text = escapeText(cue.text);
  if (cue.speaker === null || style.voice === "none") return text;
  const speaker = escapeText(cue.speaker);
  switch (style.voice) {
    case "closed":
      return `<v ${speaker}>${text}</v>`;
    case "classed":
      return `<v.speaker ${speaker}>${text}</v>`;
    default:
      return `<v ${speaker}>${text}`;
  }
}

/** Serialises cues to a WebVTT file in the given style. Cues keep their order. */
export function writeWebVtt(cues: readonly TranscriptCue[], style: WebVttStyle): string {
  const blocks: string[] = [style.headerText ? `WEBVTT ${style.headerText}` : "WEBVTT"];
  if (style.notes) {
    blocks.push("NOTE\nTranscribed automatically by UserTesting.\nSpeaker labels may be approximate.");
  }
  cues.forEach((cue, index) => {
    if (style.notes && index > 0 && index % 7 === 0) blocks.push(`NOTE segment ${index / 7 + 1}`);
    const lines: string[] = [];
    if (style.cueIds === "numeric") lines.push(String(index + 1));
    if (style.cueIds === "named") lines.push(`${cue.speaker === null ? "cue" : "utterance"}-${index + 1}`);
    const timing = `${formatTimestamp(cue.startMs, style.shortTimestamps)} --> ${formatTimestamp(cue.endMs, style.shortTimestamps)}`;
    lines.push(style.settings && index % 3 === 1 ? `${timing} align:start position:10% line:85%` : timing);
    lines.push(cuePayload(cue, style));
    blocks.push(lines.join("\n"));
  });
  const text = `${blocks.join("\n\n")}\n`;
  return (style.bom ? "\uFEFF" : "") + (style.crlf ? text.replace(/\n/g, "\r\n") : text);
}
