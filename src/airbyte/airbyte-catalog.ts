import { ConfigError } from "../errors.js";
import { STREAMS, streamSchema } from "../streams/registry.js";
import type { StreamDefinition } from "../streams/stream.js";
import type { Selection } from "../tap/catalog.js";

export type SyncMode = "full_refresh" | "incremental";

/**
 * A stream's cursor in Airbyte: the replication key of the incremental streams, and for the QX
 * scores `extracted_at`: they are fetched again only once their test has a new completed session,
 * so synced incrementally they cost no calls on a quiet night (full_refresh fetches every test's).
 */
export function cursorOf(definition: StreamDefinition): string | undefined {
  if (definition.replication.method === "INCREMENTAL") return definition.replication.key;
  return QX_STREAMS.has(definition.name) ? "extracted_at" : undefined;
}

const QX_STREAMS = new Set(["qx_scores", "qx_task_group_scores"]);

/**
 * A stream's schema as Airbyte wants it: without `additionalProperties: false` (CAT requires it
 * absent or true; the platform may add columns of its own). The Singer SCHEMA keeps it.
 */
function openSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openSchema);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "additionalProperties" && value === false))
      .map(([key, value]) => [key, openSchema(value)]),
  );
}

/** An AirbyteStream of `discover`. */
export function airbyteStream(definition: StreamDefinition): Record<string, unknown> {
  const cursor = cursorOf(definition);
  return {
    name: definition.name,
    json_schema: openSchema(streamSchema(definition.name)),
    supported_sync_modes: cursor ? ["full_refresh", "incremental"] : ["full_refresh"],
    source_defined_primary_key: definition.keyProperties.map((k) => [k]),
    ...(cursor
      ? { source_defined_cursor: true, default_cursor_field: [cursor], is_resumable: true }
      : { is_resumable: false }),
  };
}

/** The CATALOG message's catalog: every stream, clips and highlight reels included (they cost calls: select them knowingly). */
export function airbyteCatalog(): { streams: Array<Record<string, unknown>> } {
  return { streams: STREAMS.map(airbyteStream) };
}

/** What a configured catalog asks: the streams, and each one's sync mode. */
export interface ConfiguredStreams {
  selection: Selection;
  modes: Map<string, SyncMode>;
}

/**
 * Reads a ConfiguredAirbyteCatalog. Every problem is a ConfigError naming the stream's index and
 * what is wrong: an unknown stream, a sync mode the stream does not support, a stream twice.
 * Properties the configured json_schema leaves out are not synced (Airbyte's column selection).
 */
export function parseConfiguredCatalog(value: unknown, source: string): ConfiguredStreams {
  const streams = (value as { streams?: unknown } | null)?.streams;
  if (!Array.isArray(streams))
    throw new ConfigError(
      `The catalog in ${source} has no "streams" array; it must be a ConfiguredAirbyteCatalog (discover's streams, each with sync_mode and destination_sync_mode).`,
    );
  const known = new Map(STREAMS.map((s) => [s.name, s]));
  const selection: Selection = { streams: new Set(), excluded: new Map() };
  const modes = new Map<string, SyncMode>();
  streams.forEach((entry, index) => {
    const where = `${source}, streams[${index}]`;
    const stream = (entry as { stream?: { name?: unknown; json_schema?: unknown } } | null)?.stream;
    const name = stream?.name;
    const definition = typeof name === "string" ? known.get(name) : undefined;
    if (!definition)
      throw new ConfigError(
        `The catalog in ${where}: unknown stream ${JSON.stringify(name ?? null)}. Known streams: ${[...known.keys()].join(", ")}.`,
      );
    if (modes.has(definition.name))
      throw new ConfigError(`The catalog in ${where}: stream ${definition.name} is configured twice.`);
    const mode = (entry as { sync_mode?: unknown }).sync_mode;
    const supported = airbyteStream(definition).supported_sync_modes as string[];
    if (typeof mode !== "string" || !supported.includes(mode))
      throw new ConfigError(
        `The catalog in ${where}: sync_mode ${JSON.stringify(mode ?? null)} is not one stream ${definition.name} supports (${supported.join(", ")}).`,
      );
    modes.set(definition.name, mode as SyncMode);
    selection.streams.add(definition.name);
    const excluded = excludedProperties(definition, stream?.json_schema);
    if (excluded.size > 0) selection.excluded.set(definition.name, excluded);
  });
  return { selection, modes };
}

/** Properties of the stream's schema that the configured json_schema dropped (never keys or the cursor). */
function excludedProperties(definition: StreamDefinition, configured: unknown): Set<string> {
  const kept = (configured as { properties?: Record<string, unknown> } | null)?.properties;
  if (!kept || typeof kept !== "object") return new Set();
  const all = Object.keys((streamSchema(definition.name).properties as Record<string, unknown>) ?? {});
  const needed = new Set([
    ...definition.keyProperties,
    ...(definition.replication.method === "INCREMENTAL" ? [definition.replication.key] : []),
  ]);
  return new Set(all.filter((p) => !(p in kept) && !needed.has(p)));
}
