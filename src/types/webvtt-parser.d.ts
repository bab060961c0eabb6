/** The W3C's WebVTT parser and validator (github.com/w3c/webvtt.js) ships no types. */
declare module "webvtt-parser" {
  export interface CueNode {
    type: "object" | "text" | "timestamp";
    name?: string;
    classes?: string[];
    value?: string | number;
    children?: CueNode[];
  }
  export interface ParsedCue {
    id: string;
    startTime: number;
    endTime: number;
    text: string;
    tree: { children: CueNode[] };
  }
  export interface ParseError {
    message: string;
    line: number;
    col?: number;
  }
  export class WebVTTParser {
    constructor(entities?: Record<string, string>);
    parse(
      input: string,
      mode?: "metadata" | "chapters",
    ): { cues: ParsedCue[]; errors: ParseError[]; time: number };
  }
}
