import type { Writable } from "node:stream";
import type { Row } from "../streams/stream.js";
import { JsonLines } from "./json-lines.js";
import type { MessageWriter, StreamAnnouncement } from "./message-writer.js";

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
 * Writes Singer messages to stdout, one JSON object a line (see JsonLines). Singer has no
 * stream status, estimate or error message: those are the logger's, on stderr.
 */
export class SingerWriter implements MessageWriter {
  private readonly lines: JsonLines;

  constructor(out: Writable = process.stdout) {
    this.lines = new JsonLines(out);
  }

  get messages(): number {
    return this.lines.messages;
  }

  schema({ stream, schema, keyProperties, replicationKey }: StreamAnnouncement): Promise<void> {
    return this.write({
      type: "SCHEMA",
      stream,
      schema,
      key_properties: keyProperties,
      ...(replicationKey ? { bookmark_properties: [replicationKey] } : {}),
    });
  }

  record(stream: string, record: Row, timeExtracted: string): Promise<void> {
    return this.write({ type: "RECORD", stream, record, time_extracted: timeExtracted });
  }

  state(value: unknown): Promise<void> {
    return this.write({ type: "STATE", value });
  }

  async streamStatus(): Promise<void> {}

  async estimate(): Promise<void> {}

  async error(): Promise<void> {}

  private write(message: SingerMessage): Promise<void> {
    return this.lines.write(message);
  }
}
