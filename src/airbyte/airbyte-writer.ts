import type { Writable } from "node:stream";
import { JsonLines } from "../protocol/json-lines.js";
import type { Failure, MessageWriter, StreamStatus } from "../protocol/message-writer.js";
import type { Row } from "../streams/stream.js";
import { realTimers, type Timers } from "../util/timers.js";
import { carrierOf, type SingerStateJson, streamStates } from "./airbyte-state.js";

/** The platform stops a source that sends no RECORD or STATE for 3 hours; we send one at least this often. */
export const HEARTBEAT_MS = 30 * 60_000;
/** RATE_LIMITED statuses of one stream at most this often: the API's limit is hit every minute. */
const RATE_LIMITED_EVERY_MS = 60_000;

export interface AirbyteWriterOptions {
  /** The configured streams, in the catalog's order. */
  streams: readonly string[];
  /** Per incremental stream, its cursor property. */
  cursors: ReadonlyMap<string, string>;
  /** Per stream, the `start_after` its state asks: records with a cursor at or before it are dropped. */
  startAfter?: ReadonlyMap<string, string>;
  timers?: Timers;
}

/**
 * Airbyte's side of the engine (airbyte-protocol's v0 YAML): RECORDs with `emitted_at` in epoch
 * milliseconds; the tap's state as one STREAM state per configured stream (see airbyte-state.ts),
 * each with `sourceStats.recordCount` (its records since its previous state), sent when it
 * changed or records came, never twice alike in a row, and for every stream at least once;
 * TRACE STREAM_STATUS, ESTIMATE and ERROR; and a STATE every 30 minutes at least, even while the
 * run waits on the API, so the platform's heartbeat never gives up on it.
 */
export class AirbyteWriter implements MessageWriter {
  private readonly lines: JsonLines;
  private readonly timers: Timers;
  private readonly counts = new Map<string, number>();
  private readonly lastState = new Map<string, string>();
  private readonly lastRateLimited = new Map<string, number>();
  private readonly lastEstimate = new Map<string, number>();
  private readonly syncedAt: string;
  private latest: SingerStateJson | null = null;
  private lastBeat: number;
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(
    out: Writable,
    private readonly options: AirbyteWriterOptions,
  ) {
    this.lines = new JsonLines(out);
    this.timers = options.timers ?? realTimers;
    this.syncedAt = new Date(this.timers.now()).toISOString();
    this.lastBeat = this.timers.now();
  }

  /** Starts the heartbeat: a STATE when nothing beat for HEARTBEAT_MS. Stopped by close(). */
  startHeartbeat(checkEveryMs = 60_000): void {
    this.heartbeat = setInterval(() => void this.beatIfDue().catch(() => undefined), checkEveryMs);
    this.heartbeat.unref();
  }

  close(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  get messages(): number {
    return this.lines.messages;
  }

  /** Airbyte has no SCHEMA message: discover's catalog said it. */
  async schema(): Promise<void> {}

  async record(stream: string, record: Row, _timeExtracted: string): Promise<void> {
    const floor = this.options.startAfter?.get(stream);
    const cursor = this.options.cursors.get(stream);
    if (floor && cursor) {
      // Only records whose cursor is known and after the floor (an unfinished session has none yet).
      const value = record[cursor];
      if (typeof value !== "string" || Date.parse(value) <= Date.parse(floor)) return;
    }
    this.counts.set(stream, (this.counts.get(stream) ?? 0) + 1);
    this.lastBeat = this.timers.now();
    await this.lines.write({
      type: "RECORD",
      record: { stream, data: record, emitted_at: this.timers.now() },
    });
  }

  async state(value: unknown): Promise<void> {
    this.latest = value as SingerStateJson;
    const blobs = streamStates(this.latest, this.options.streams, this.syncedAt);
    for (const [stream, blob] of blobs) {
      const text = JSON.stringify(blob);
      const records = this.counts.get(stream) ?? 0;
      if (this.lastState.get(stream) === text && records === 0) continue;
      await this.writeState(stream, blob, text);
    }
  }

  private async writeState(stream: string, blob: Record<string, unknown>, text: string): Promise<void> {
    const records = this.counts.get(stream) ?? 0;
    this.counts.set(stream, 0);
    this.lastState.set(stream, text);
    this.lastBeat = this.timers.now();
    await this.lines.write({
      type: "STATE",
      state: {
        type: "STREAM",
        stream: { stream_descriptor: { name: stream }, stream_state: blob },
        // A double, per the protocol: "should always have a decimal point".
        sourceStats: { recordCount: records },
      },
    });
  }

  /** A STATE when nothing beat for HEARTBEAT_MS: the carrier stream's, stamped so it differs from the one before. */
  async beatIfDue(): Promise<void> {
    if (this.timers.now() - this.lastBeat < HEARTBEAT_MS) return;
    const stream = carrierOf(this.options.streams);
    if (!stream) return;
    const blob = {
      ...(streamStates(this.latest ?? {}, [stream], this.syncedAt).get(stream) ?? {}),
      heartbeat_at: new Date(this.timers.now()).toISOString(),
    };
    await this.writeState(stream, blob, JSON.stringify(blob));
  }

  async streamStatus(stream: string, status: StreamStatus, quotaResetAt?: number): Promise<void> {
    if (quotaResetAt !== undefined) {
      const last = this.lastRateLimited.get(stream);
      if (last !== undefined && this.timers.now() - last < RATE_LIMITED_EVERY_MS) return;
      this.lastRateLimited.set(stream, this.timers.now());
    }
    await this.trace("STREAM_STATUS", {
      stream_status: {
        stream_descriptor: { name: stream },
        status,
        ...(quotaResetAt !== undefined
          ? { reasons: [{ type: "RATE_LIMITED", rate_limited: { quota_reset: Math.ceil(quotaResetAt) } }] }
          : {}),
      },
    });
  }

  async estimate(stream: string, rows: number): Promise<void> {
    const last = this.lastEstimate.get(stream);
    // The first, then only when it grew by a tenth: the sessions estimate grows with every listing.
    if (last !== undefined && rows < last * 1.1) return;
    this.lastEstimate.set(stream, rows);
    await this.trace("ESTIMATE", { estimate: { name: stream, type: "STREAM", row_estimate: rows } });
  }

  async error(failure: Failure): Promise<void> {
    await this.trace("ERROR", {
      error: {
        message: failure.message,
        ...(failure.internalMessage ? { internal_message: failure.internalMessage } : {}),
        failure_type: failure.failureType,
        ...(failure.stream ? { stream_descriptor: { name: failure.stream } } : {}),
      },
    });
  }

  private trace(type: string, body: Record<string, unknown>): Promise<void> {
    return this.lines.write({ type: "TRACE", trace: { type, emitted_at: this.timers.now(), ...body } });
  }
}
