import { ENDPOINTS } from "../api/endpoints.js";
import { ApiResponseError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { Failure, MessageWriter, StreamStatus } from "../protocol/message-writer.js";
import { STREAMS, streamSchema } from "../streams/registry.js";
import type { Row, SourceInputs, SourceName, StreamDefinition } from "../streams/stream.js";
import { createAjv, jsonPointerToPath, type ValidateFunction } from "../util/json-schema.js";
import type { Selection } from "./catalog.js";

/** The endpoint whose response feeds each source, for error messages. */
const SOURCE_ENDPOINT: Record<SourceName, string> = {
  workspace: ENDPOINTS.workspaces.template,
  test: ENDPOINTS.workspaceStudies.template,
  session: ENDPOINTS.sessionDetail.template,
  transcript: ENDPOINTS.transcript.template,
  qxScores: ENDPOINTS.qxScores.template,
  clips: ENDPOINTS.clips.template,
  highlightReels: ENDPOINTS.highlightReels.template,
  sessionVideo: ENDPOINTS.videoDownloadUrl.template,
};

/**
 * Turns API resources into records of the selected streams, through whichever protocol's
 * writer it is given. Every record is checked against the stream's schema before it leaves, so
 * the tap never emits a record its own schema contradicts: an optional field of an unexpected
 * type becomes null (logged once); anything else is an error naming the endpoint and field.
 * It also keeps each stream's lifecycle: STARTED with its schema, RUNNING from its first
 * record, then COMPLETE, or INCOMPLETE when a failure cost it records.
 */
export class RecordEmitter {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly nullable = new Map<string, Set<string>>();
  private readonly toleratedOnce = new Set<string>();
  private readonly status = new Map<string, StreamStatus>();
  private readonly incomplete = new Set<string>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly writer: MessageWriter,
    private readonly selection: Selection,
    private readonly logger: Logger,
  ) {
    const ajv = createAjv();
    for (const stream of STREAMS) {
      if (!selection.streams.has(stream.name)) continue;
      const schema = this.schemaOf(stream);
      this.validators.set(stream.name, ajv.compile(schema));
      const properties = schema.properties as Record<string, { type?: string | string[] }>;
      this.nullable.set(
        stream.name,
        new Set(
          Object.entries(properties)
            .filter(([, p]) => Array.isArray(p.type) && p.type.includes("null"))
            .map(([k]) => k),
        ),
      );
    }
  }

  isSelected(stream: string): boolean {
    return this.selection.streams.has(stream);
  }

  /** True when any stream fed by `source` is selected. */
  wants(source: SourceName): boolean {
    return STREAMS.some((s) => s.source === source && this.selection.streams.has(s.name));
  }

  /** The schema of every selected stream, before any record; each stream is STARTED. */
  async writeSchemas(): Promise<void> {
    for (const stream of STREAMS) {
      if (!this.selection.streams.has(stream.name)) continue;
      await this.writer.schema({
        stream: stream.name,
        schema: this.schemaOf(stream),
        keyProperties: stream.keyProperties,
        ...(stream.replication.method === "INCREMENTAL" ? { replicationKey: stream.replication.key } : {}),
      });
    }
    for (const stream of this.selection.streams) await this.setStatus(stream, "STARTED");
  }

  /** A failure cost these streams records: they end INCOMPLETE. */
  markIncomplete(streams: Iterable<string>): void {
    for (const stream of streams) if (this.selection.streams.has(stream)) this.incomplete.add(stream);
  }

  /** The run waits for the API's rate limit until `resetAt` (ms since the epoch): every stream under way says so. */
  async rateLimited(resetAt: number): Promise<void> {
    for (const [stream, status] of this.status)
      if (status === "STARTED" || status === "RUNNING")
        await this.writer.streamStatus(stream, "RUNNING", resetAt);
  }

  /** How many rows `stream` should hold by the end of the run. */
  async estimate(stream: string, rows: number): Promise<void> {
    if (this.selection.streams.has(stream)) await this.writer.estimate(stream, rows);
  }

  /** A failure that stopped a test or the run (the logger has said it to a person already). */
  async failed(failure: Failure): Promise<void> {
    await this.writer.error(failure);
  }

  /** The run is over: every stream not ended yet ends COMPLETE, or INCOMPLETE if marked so or `failed`. */
  async finishStreams(failed = false): Promise<void> {
    for (const [stream, status] of this.status) {
      if (status === "COMPLETE" || status === "INCOMPLETE") continue;
      // Every stream runs before it ends, records or not (Airbyte checks STARTED, RUNNING, then the end).
      if (status === "STARTED") await this.setStatus(stream, "RUNNING");
      await this.setStatus(stream, failed || this.incomplete.has(stream) ? "INCOMPLETE" : "COMPLETE");
    }
  }

  private async setStatus(stream: string, status: StreamStatus): Promise<void> {
    this.status.set(stream, status);
    await this.writer.streamStatus(stream, status);
  }

  /** Emits the records of every selected stream fed by `source`. */
  async emit<S extends SourceName>(source: S, input: SourceInputs[S]): Promise<void> {
    const timeExtracted = new Date().toISOString();
    for (const stream of STREAMS) {
      if (stream.source !== source || !this.selection.streams.has(stream.name)) continue;
      for (const row of (stream as StreamDefinition<S>).toRows(input)) {
        const record = this.checked(stream, row);
        if (this.status.get(stream.name) === "STARTED") await this.setStatus(stream.name, "RUNNING");
        await this.writer.record(stream.name, record, timeExtracted);
        this.counts.set(stream.name, (this.counts.get(stream.name) ?? 0) + 1);
      }
    }
  }

  async writeState(value: unknown): Promise<void> {
    await this.writer.state(value);
  }

  private schemaOf(stream: StreamDefinition): Record<string, unknown> {
    const schema = streamSchema(stream.name);
    const excluded = this.selection.excluded.get(stream.name);
    if (!excluded) return schema;
    const properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, unknown>).filter(([k]) => !excluded.has(k)),
    );
    return { ...schema, properties, required: (schema.required as string[]).filter((k) => !excluded.has(k)) };
  }

  private checked(stream: StreamDefinition, row: Row): Row {
    const excluded = this.selection.excluded.get(stream.name);
    const record: Row = excluded
      ? Object.fromEntries(Object.entries(row).filter(([k]) => !excluded.has(k)))
      : { ...row };
    const validate = this.validators.get(stream.name) as ValidateFunction;
    const valid = (r: Row): boolean => validate(r);
    // Each pass nulls one more bad optional field, or throws: it ends within the number of fields.
    while (!valid(record)) {
      const error = validate.errors?.[0];
      const field = jsonPointerToPath(error?.instancePath ?? "").split(/[.[]/)[0] ?? "";
      const endpoint = SOURCE_ENDPOINT[stream.source];
      if (field && this.nullable.get(stream.name)?.has(field) && record[field] !== null) {
        const key = `${stream.name}.${field}`;
        if (!this.toleratedOnce.has(key)) {
          this.toleratedOnce.add(key);
          this.logger.warn(
            `GET ${endpoint} gave '${field}' of ${stream.name} an unexpected value (${error?.message}); stored as null (logged once).`,
          );
        }
        record[field] = null;
        continue;
      }
      throw new ApiResponseError(
        `GET ${endpoint} answered with an unexpected shape: ${stream.name}.${jsonPointerToPath(error?.instancePath ?? "") || "(record)"} ${error?.message ?? "is invalid"}.`,
        endpoint,
        field,
      );
    }
    return record;
  }
}
