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
 * Writes Singer messages to stdout, one JSON object a line, and waits when the pipe is full,
 * so a slow target slows the tap instead of filling its memory.
 */
export class SingerWriter {
  messages = 0;

  constructor(private readonly out: Writable = process.stdout) {}

  async write(message: SingerMessage): Promise<void> {
    this.messages += 1;
    if (!this.out.write(`${JSON.stringify(message)}\n`)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        this.out.once("error", onError);
        this.out.once("drain", () => {
          this.out.off("error", onError);
          resolve();
        });
      });
    }
  }
}
