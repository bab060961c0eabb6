import type { Writable } from "node:stream";

export interface SchemaMessage {
  type: "SCHEMA";
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  bookmark_properties?: string[];
}

export interface RecordMessage {
  type: "RECORD";
  stream: string;
  record: Record<string, unknown>;
  time_extracted?: string;
}

export interface StateMessage {
  type: "STATE";
  value: unknown;
}

export interface ActivateVersionMessage {
  type: "ACTIVATE_VERSION";
  stream: string;
  version: number;
}

export type SingerMessage = SchemaMessage | RecordMessage | StateMessage | ActivateVersionMessage;

/**
 * Writes Singer messages to stdout, one JSON object a line, each write awaited, so a slow
 * target slows the tap instead of filling its memory.
 */
export class SingerWriter {
  messages = 0;

  constructor(private readonly out: Writable = process.stdout) {}

  async write(message: SingerMessage): Promise<void> {
    this.messages += 1;
    const line = `${JSON.stringify(message)}\n`;
    // Resolves once the line is handed on (a pipe's buffer, or an in-process target that has
    // taken it), and rejects if the consumer failed: a broken consumer stops the tap at once.
    await new Promise<void>((resolve, reject) => {
      if (this.out.destroyed) {
        reject(this.out.errored ?? new Error("the output stream is closed"));
        return;
      }
      this.out.write(line, (error) => (error ? reject(error) : resolve()));
    });
  }
}
