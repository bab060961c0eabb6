import { ENDPOINTS } from "../api/endpoints.js";
import { ApiResponseError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { SingerWriter } from "../protocol/singer.js";
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
};

/**
 * Turns API resources into Singer RECORDs for the selected streams. Every record is checked
 * against the stream's schema before it leaves, so the tap never emits a record its own
 * SCHEMA message contradicts: an optional field of an unexpected type becomes null (logged
 * once); anything else is an error naming the endpoint and field.
 */
export class RecordEmitter {
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly nullable = new Map<string, Set<string>>();
  private readonly toleratedOnce = new Set<string>();
  readonly counts = new Map<string, number>();

  constructor(
    private readonly writer: SingerWriter,
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

  /** SCHEMA messages of every selected stream, before any record. */
  async writeSchemas(): Promise<void> {
    for (const stream of STREAMS) {
      if (!this.selection.streams.has(stream.name)) continue;
      await this.writer.write({
        type: "SCHEMA",
        stream: stream.name,
        schema: this.schemaOf(stream),
        key_properties: stream.keyProperties,
        ...(stream.replication.method === "INCREMENTAL"
          ? { bookmark_properties: [stream.replication.key] }
          : {}),
      });
    }
  }

  /** Emits the records of every selected stream fed by `source`. */
  async emit<S extends SourceName>(source: S, input: SourceInputs[S]): Promise<void> {
    const timeExtracted = new Date().toISOString();
    for (const stream of STREAMS) {
      if (stream.source !== source || !this.selection.streams.has(stream.name)) continue;
      for (const row of (stream as StreamDefinition<S>).toRows(input)) {
        const record = this.checked(stream, row);
        await this.writer.write({
          type: "RECORD",
          stream: stream.name,
          record,
          time_extracted: timeExtracted,
        });
        this.counts.set(stream.name, (this.counts.get(stream.name) ?? 0) + 1);
      }
    }
  }

  async writeState(value: unknown): Promise<void> {
    await this.writer.write({ type: "STATE", value });
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
