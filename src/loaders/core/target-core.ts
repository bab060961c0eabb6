import { isUtf8 } from "node:buffer";
import type { Logger } from "../../log/logger.js";
import { createAjv, jsonPointerToPath, type ValidateFunction } from "../../util/json-schema.js";
import { ColumnCollisionError, type ColumnSpec, type TableSpec, tableSpecFor, widen } from "./columns.js";
import type { Loader } from "./loader.js";
import { type RecordBatch, RecordBuffer } from "./record-batch.js";
import { planTable } from "./schema-evolution.js";
import { TargetInputError } from "./target-errors.js";
import { castableTimestamp, isCastableTimestamp } from "./timestamps.js";

export interface BatchOptions {
  /** Flush once this many records are buffered (all streams together). @default 50000 */
  batchSizeRows?: number;
  /** Flush once the buffered input reaches this many bytes. @default 64 MiB */
  batchMaxBytes?: number;
  /** Flush once the oldest buffered record is this old (checked as messages arrive). @default 60000 */
  batchMaxAgeMs?: number;
}

/** The batch settings every loader's schema has (batch_size_rows, batch_max_bytes, batch_max_age_seconds). */
export interface BatchSettings {
  batch_size_rows: number;
  batch_max_bytes: number;
  batch_max_age_seconds: number;
}

/** The core's batch options from a loader's batch settings. */
export const batchOptionsOf = (s: BatchSettings): BatchOptions => ({
  batchSizeRows: s.batch_size_rows,
  batchMaxBytes: s.batch_max_bytes,
  batchMaxAgeMs: s.batch_max_age_seconds * 1000,
});

export interface TransientRetryOptions {
  /** Tries of a flush that failed transiently (see Loader.isTransient), on a fresh connection. @default 4 */
  attempts?: number;
  /** Wait before the first retry; doubles each time. @default 1000 */
  firstDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface TargetCoreOptions extends BatchOptions {
  loader: Loader;
  /** Called with each STATE value once every record before it is committed. */
  emitState: (state: unknown) => void | Promise<void>;
  logger: Logger;
  now?: () => number;
  retry?: TransientRetryOptions;
}

interface StreamState {
  spec: TableSpec;
  validate: ValidateFunction;
  /** Validated records waiting for the next flush. */
  buffer: RecordBuffer;
  /** The table's timestamp columns: their values must be loadable as they are (see timestamps.ts). */
  timestamps: string[];
}

function streamState(spec: TableSpec, validate: ValidateFunction, buffer: RecordBuffer): StreamState {
  const timestamps = spec.columns.filter((c) => c.type === "timestamp").map((c) => c.property);
  return { spec, validate, buffer, timestamps };
}

// The first error is all a message reports; stopping there is cheaper.
const ajv = createAjv({ allErrors: false });

/**
 * The Singer target core every loader shares: reads messages, keeps each stream's table in
 * step with its SCHEMA, validates and buffers records, and flushes all buffers as one
 * transaction. A STATE is passed on only after every record before it is committed, so a
 * crash at any moment leaves the last emitted STATE true. Bad input stops the run with the
 * line number; the batch being built is dropped, never half-written.
 */
export class TargetCore {
  private readonly streams = new Map<string, StreamState>();
  private readonly batchSizeRows: number;
  private readonly batchMaxBytes: number;
  private readonly batchMaxAgeMs: number;
  private readonly now: () => number;
  private line = 0;
  private bufferedRows = 0;
  private bufferedBytes = 0;
  private oldestBufferedAt: number | null = null;
  private pendingState: { value: unknown } | null = null;
  private inflight: Promise<void> | null = null;
  private failure: unknown = null;
  /** The last _sdc_sequence given: strictly increasing for the whole run. */
  private sequence = 0;
  private receivedAtMs = -1;
  private receivedAt = "";
  /** Rows committed, per stream. */
  readonly loaded = new Map<string, number>();
  flushes = 0;

  constructor(private readonly options: TargetCoreOptions) {
    this.batchSizeRows = options.batchSizeRows ?? 50_000;
    this.batchMaxBytes = options.batchMaxBytes ?? 64 * 1024 * 1024;
    this.batchMaxAgeMs = options.batchMaxAgeMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Handles one input line (a Singer message). Returns a promise only when the line had to
   * wait (a flush, a schema change), so that the common case costs no await.
   */
  handleLine(line: Buffer | string): Promise<void> | undefined {
    this.line += 1;
    if (line.length === 0) return;
    if (typeof line !== "string" && !isUtf8(line))
      throw new TargetInputError(
        this.line,
        null,
        "not UTF-8 text (Singer messages are JSON, which is UTF-8)",
      );
    const text = typeof line === "string" ? line : line.toString("utf8");
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(text) as Record<string, unknown>;
    } catch {
      if (text.trim() === "") return;
      throw new TargetInputError(
        this.line,
        null,
        `not JSON (${text.length > 60 ? `${text.slice(0, 60)}…` : text})`,
      );
    }
    if (message === null || typeof message !== "object" || Array.isArray(message))
      throw new TargetInputError(this.line, null, "not a Singer message object");
    switch (message.type) {
      case "SCHEMA":
        return this.onSchema(message);
      case "RECORD":
        return this.onRecord(message, line);
      case "STATE":
        return this.onState(message);
      case "ACTIVATE_VERSION":
        this.options.logger.debug(
          `line ${this.line}: ACTIVATE_VERSION for ${String(message.stream)} accepted (versions are not tracked)`,
        );
        return;
      default:
        throw new TargetInputError(this.line, null, `unknown message type ${JSON.stringify(message.type)}`);
    }
  }

  /** Waits for any commit under way, whatever its outcome: call before closing the loader. */
  async settle(): Promise<void> {
    await this.drain().catch(() => undefined);
  }

  /** End of input: commits what is buffered, then passes on the last STATE. */
  async finish(): Promise<void> {
    await this.flush();
    await this.drain();
  }

  private streamName(message: Record<string, unknown>): string {
    const stream = message.stream;
    if (typeof stream !== "string" || stream === "")
      throw new TargetInputError(this.line, null, `${String(message.type)} without a "stream" name`);
    return stream;
  }

  private async onSchema(message: Record<string, unknown>): Promise<void> {
    const stream = this.streamName(message);
    const schema = message.schema;
    if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
      throw new TargetInputError(this.line, stream, 'SCHEMA without a "schema" object');
    }
    const keys = message.key_properties ?? [];
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string")) {
      throw new TargetInputError(this.line, stream, '"key_properties" must be an array of property names');
    }
    const properties = ((schema as { properties?: object }).properties ?? {}) as Record<string, unknown>;
    for (const key of keys as string[]) {
      if (!(key in properties))
        throw new TargetInputError(this.line, stream, `key property "${key}" is not in the schema`);
    }
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new TargetInputError(
        this.line,
        stream,
        `the schema is not a valid JSON Schema (${(error as Error).message})`,
      );
    }
    const { loader } = this.options;
    let requested: TableSpec;
    try {
      requested = tableSpecFor(stream, schema as Record<string, unknown>, keys as string[], loader.dialect);
    } catch (error) {
      if (error instanceof ColumnCollisionError) throw new TargetInputError(this.line, stream, error.message);
      throw error;
    }
    const existing = this.streams.get(stream);
    const spec = existing ? mergeSpecs(existing.spec, requested) : requested;
    if (existing && sameSpec(existing.spec, spec)) {
      existing.validate = validate;
      return;
    }
    // A changed table: commit what was buffered under the old one first.
    if (existing) await this.flush();
    await this.drain();
    const plan = planTable(spec, await loader.describeTable(spec.table), loader.dialect);
    await loader.applyPlan(plan);
    for (const change of plan.changes) {
      if (change.kind === "widen")
        this.options.logger.info(
          `${spec.table}.${change.column}: widened from ${change.from} to ${change.to}`,
        );
      if (change.kind === "replace")
        this.options.logger.warn(
          `${spec.table}.${change.column}: ${change.from} cannot become ${change.to} in place; the old column is kept as ${change.keptAs} and ${change.column} now holds its values as ${change.to}`,
        );
    }
    this.streams.set(stream, streamState(plan.spec, validate, existing?.buffer ?? new RecordBuffer()));
  }

  private onRecord(message: Record<string, unknown>, line: Buffer | string): Promise<void> | undefined {
    const stream = this.streamName(message);
    const state = this.streams.get(stream);
    if (!state) throw new TargetInputError(this.line, stream, "RECORD before the stream's SCHEMA");
    const record = recordOf(message, this.line, stream);
    validateRecord(state.validate, record, this.line, stream);
    const loadable = loadableLine(state, message, record, line, this.line, stream);
    const now = this.tick();
    state.buffer.add(loadable, this.sequenceAt(now), this.receivedAt, this.line);
    return this.noteBuffered(loadable.length, now);
  }

  /** The clock for one record: _sdc_received_at is formatted once per millisecond. */
  private tick(): number {
    const now = this.now();
    if (now !== this.receivedAtMs) {
      this.receivedAtMs = now;
      this.receivedAt = new Date(now).toISOString();
    }
    return now;
  }

  /**
   * _sdc_sequence: microseconds of the arrival, but never less than one more than the last, so
   * it increases strictly for the whole run (a thousand records in one millisecond do not wrap)
   * and stays comparable with other runs' values; later records always sort later.
   */
  private sequenceAt(now: number): number {
    this.sequence = Math.max(this.sequence + 1, now * 1000);
    return this.sequence;
  }

  private noteBuffered(bytes: number, now: number): Promise<void> | undefined {
    this.bufferedRows += 1;
    this.bufferedBytes += bytes;
    this.oldestBufferedAt ??= now;
    if (
      this.bufferedRows >= this.batchSizeRows ||
      this.bufferedBytes >= this.batchMaxBytes ||
      now - this.oldestBufferedAt >= this.batchMaxAgeMs
    ) {
      return this.flush();
    }
    return undefined;
  }

  private async onState(message: Record<string, unknown>): Promise<void> {
    if (!("value" in message)) throw new TargetInputError(this.line, null, 'STATE without a "value"');
    if (this.bufferedRows === 0) {
      // Nothing waits in the buffer: pass it on once the batch being committed is in.
      await this.drain();
      await this.options.emitState(message.value);
      return;
    }
    this.pendingState = { value: message.value };
    if (this.now() - (this.oldestBufferedAt ?? this.now()) >= this.batchMaxAgeMs) await this.flush();
  }

  /**
   * Hands every buffered row to the loader as one transaction, then passes on the STATE that
   * waited for them. The commit runs while the next batch is read (the database works on its
   * own threads); the next flush, a schema change, a lone STATE and the end all wait for it.
   */
  private async flush(): Promise<void> {
    await this.drain();
    const state = this.pendingState;
    this.pendingState = null;
    if (this.bufferedRows === 0) {
      if (state) await this.options.emitState(state.value);
      return;
    }
    const batchedAt = new Date(this.now()).toISOString();
    const batches = [...this.streams.values()]
      .filter((s) => s.buffer.rows > 0)
      .map((s) => s.buffer.take(s.spec, batchedAt));
    this.bufferedRows = 0;
    this.bufferedBytes = 0;
    this.oldestBufferedAt = null;
    const commit = this.commit(batches, state);
    // Handled when drained; this only keeps Node from reporting it as unhandled meanwhile.
    commit.catch(() => undefined);
    this.inflight = commit;
  }

  /**
   * Waits for the batch being committed, and surfaces its failure. After a failed commit the
   * core commits nothing more: a later batch's STATE would cover the rows that were lost.
   */
  private async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    const inflight = this.inflight;
    this.inflight = null;
    if (!inflight) return;
    try {
      await inflight;
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private async commit(batches: RecordBatch[], state: { value: unknown } | null): Promise<void> {
    const { loader, logger } = this.options;
    const attempts = this.options.retry?.attempts ?? 4;
    const firstDelayMs = this.options.retry?.firstDelayMs ?? 1000;
    const sleep = this.options.retry?.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        await this.commitOnce(batches);
        break;
      } catch (error) {
        if (attempt >= attempts || !loader.isTransient(error)) throw error;
        const delay = firstDelayMs * 2 ** (attempt - 1);
        logger.warn(
          `${loader.name}: the flush failed (${(error as Error).message}); retrying on a fresh connection in ${Math.ceil(delay / 1000)} s (${attempts - attempt} tries left)`,
        );
        await loader.close().catch(() => undefined);
        await sleep(delay);
        await loader.connect();
      }
    }
    for (const { spec, rows } of batches)
      this.loaded.set(spec.stream, (this.loaded.get(spec.stream) ?? 0) + rows);
    this.flushes += 1;
    if (state) await this.options.emitState(state.value);
  }

  /**
   * One try of a flush: stage every stream's batch, then merge them all in one transaction;
   * what was staged is cleaned up whatever happens.
   */
  private async commitOnce(batches: RecordBatch[]): Promise<void> {
    const { loader } = this.options;
    const staged: unknown[] = [];
    try {
      for (const batch of batches) staged.push(await loader.stage(batch));
      await loader.begin();
      try {
        for (const s of staged) await loader.merge(s);
        await loader.commit();
      } catch (error) {
        await loader.rollback().catch(() => undefined);
        throw error;
      }
    } finally {
      for (const s of staged) await loader.cleanup(s).catch(() => undefined);
    }
  }
}

function recordOf(message: Record<string, unknown>, line: number, stream: string): Record<string, unknown> {
  const record = message.record;
  if (record === null || typeof record !== "object" || Array.isArray(record))
    throw new TargetInputError(line, stream, 'RECORD without a "record" object');
  return record as Record<string, unknown>;
}

function validateRecord(validate: ValidateFunction, record: unknown, line: number, stream: string): void {
  if (validate(record)) return;
  const error = validate.errors?.[0];
  const path = jsonPointerToPath(error?.instancePath ?? "");
  throw new TargetInputError(
    line,
    stream,
    `the record does not match its schema: ${path ? `'${path}' ` : ""}${error?.message ?? "is invalid"}`,
  );
}

/**
 * The line to load for a valid record: the line as it arrived, unless a timestamp in it is in
 * a form warehouses misread; then the message with those rewritten (see timestamps.ts).
 */
function loadableLine(
  state: StreamState,
  message: Record<string, unknown>,
  record: Record<string, unknown>,
  line: Buffer | string,
  lineNumber: number,
  stream: string,
): Buffer {
  let rewritten = false;
  for (const name of state.timestamps) {
    const value = record[name];
    if (value === null || value === undefined || (typeof value === "string" && isCastableTimestamp(value)))
      continue;
    record[name] = rewriteTimestamp(value, `'${name}'`, lineNumber, stream);
    rewritten = true;
  }
  const extracted = message.time_extracted;
  if (
    extracted !== null &&
    extracted !== undefined &&
    !(typeof extracted === "string" && isCastableTimestamp(extracted))
  ) {
    message.time_extracted = rewriteTimestamp(extracted, '"time_extracted"', lineNumber, stream);
    rewritten = true;
  }
  if (rewritten) return Buffer.from(JSON.stringify(message));
  return typeof line === "string" ? Buffer.from(line) : line;
}

function rewriteTimestamp(value: unknown, what: string, line: number, stream: string): string {
  const text = typeof value === "string" ? castableTimestamp(value) : null;
  if (text === null)
    throw new TargetInputError(line, stream, `${what} is not a timestamp (${JSON.stringify(value)})`);
  return text;
}

/** The table that holds both: every column of each, types widened, the newer keys. */
function mergeSpecs(old: TableSpec, next: TableSpec): TableSpec {
  const columns: ColumnSpec[] = old.columns.map((c) => {
    const incoming = next.columns.find((n) => n.property === c.property);
    return incoming ? { ...c, type: widen(c.type, incoming.type) } : c;
  });
  for (const c of next.columns) if (!columns.some((e) => e.property === c.property)) columns.push(c);
  return { ...next, columns };
}

function sameSpec(a: TableSpec, b: TableSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
