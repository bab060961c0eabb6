import type { Row } from "../streams/stream.js";

/** What a stream's SCHEMA (Singer) or catalog entry (Airbyte) says. */
export interface StreamAnnouncement {
  stream: string;
  schema: Record<string, unknown>;
  keyProperties: string[];
  /** The replication key of an incremental stream. */
  replicationKey?: string;
}

/** A stream's lifecycle, as Airbyte's STREAM_STATUS traces name it. */
export type StreamStatus = "STARTED" | "RUNNING" | "COMPLETE" | "INCOMPLETE";

/** Airbyte's failure types: whose move it is. */
export type FailureType = "config_error" | "system_error" | "transient_error";

export interface Failure {
  /** The one paragraph a user sees. */
  message: string;
  /** What an engineer needs besides (never a secret). */
  internalMessage?: string;
  failureType: FailureType;
  /** The stream it stopped, if it stopped one. */
  stream?: string;
}

/**
 * Everything the engine says, in no protocol's words. Singer and Airbyte are two small
 * implementations (protocol/singer.ts, airbyte/airbyte-writer.ts); the engine, the emitter and
 * the streams do not know which one they talk to.
 */
export interface MessageWriter {
  schema(announcement: StreamAnnouncement): Promise<void>;
  record(stream: string, record: Row, timeExtracted: string): Promise<void>;
  /** The tap's state (the Singer state document), once everything before it was written. */
  state(value: unknown): Promise<void>;
  /** `quotaResetAt`: with RUNNING, the stream waits for the API's rate limit until then (ms since the epoch). */
  streamStatus(stream: string, status: StreamStatus, quotaResetAt?: number): Promise<void>;
  /** How many rows a stream is expected to hold by the end of this run, as the listings count them. */
  estimate(stream: string, rows: number): Promise<void>;
  /** A failure that stops a stream or the run; the logger has already said it to a person. */
  error(failure: Failure): Promise<void>;
}
