import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { STREAMS, streamSchema } from "../streams/registry.js";
import type { StreamDefinition } from "../streams/stream.js";

export interface CatalogMetadata {
  breadcrumb: string[];
  metadata: Record<string, unknown>;
}

export interface CatalogStream {
  tap_stream_id: string;
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  replication_method?: string;
  replication_key?: string;
  metadata: CatalogMetadata[];
}

export interface Catalog {
  streams: CatalogStream[];
}

function catalogEntry(definition: StreamDefinition): CatalogStream {
  const schema = streamSchema(definition.name);
  const properties = Object.keys((schema.properties as Record<string, unknown>) ?? {});
  const incremental =
    definition.replication.method === "INCREMENTAL" ? definition.replication.key : undefined;
  return {
    tap_stream_id: definition.name,
    stream: definition.name,
    schema,
    key_properties: definition.keyProperties,
    replication_method: definition.replication.method,
    ...(incremental ? { replication_key: incremental } : {}),
    metadata: [
      {
        breadcrumb: [],
        metadata: {
          inclusion: "available",
          selected: definition.selectedByDefault !== false,
          "table-key-properties": definition.keyProperties,
          "forced-replication-method": definition.replication.method,
          ...(incremental ? { "valid-replication-keys": [incremental] } : {}),
        },
      },
      ...properties.map((p) => ({
        breadcrumb: ["properties", p],
        metadata: {
          inclusion: definition.keyProperties.includes(p) || p === incremental ? "automatic" : "available",
        },
      })),
    ],
  };
}

/** The catalog --discover prints and catalog.json holds: every stream, selected unless it costs extra calls. Needs no credentials. */
export function discoverCatalog(): Catalog {
  return { streams: STREAMS.map(catalogEntry) };
}

/** What a catalog selects: streams, and within each stream the properties it leaves out. */
export interface Selection {
  streams: Set<string>;
  /** Properties deselected per stream (never key or replication-key properties). */
  excluded: Map<string, Set<string>>;
}

/** What a run without a catalog syncs: every stream but those off by default (clips, highlight_reels). */
export const defaultSelection = (): Selection => ({
  streams: new Set(STREAMS.filter((s) => s.selectedByDefault !== false).map((s) => s.name)),
  excluded: new Map(),
});

/** Reads --catalog / --properties: which streams and properties to sync. */
export function loadSelection(path: string): Selection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `Catalog file ${path} does not exist. Run tap-usertesting --discover > catalog.json to make one.`
        : `Catalog file ${path} is not valid JSON: ${(error as Error).message}.`,
    );
  }
  const streams = (parsed as Catalog | null)?.streams;
  if (!Array.isArray(streams))
    throw new ConfigError(
      `Catalog file ${path} has no "streams" array; it must be a Singer catalog as --discover prints.`,
    );
  const known = new Map(STREAMS.map((s) => [s.name, s]));
  const selection: Selection = { streams: new Set(), excluded: new Map() };
  streams.forEach((entry, index) => {
    const id = (entry as CatalogStream)?.tap_stream_id ?? (entry as CatalogStream)?.stream;
    const definition = typeof id === "string" ? known.get(id) : undefined;
    if (!definition) {
      throw new ConfigError(
        `Catalog file ${path}, streams[${index}]: unknown stream ${JSON.stringify(id)}. Known streams: ${[...known.keys()].join(", ")}.`,
      );
    }
    const metadata = Array.isArray(entry.metadata) ? entry.metadata : [];
    const root =
      metadata.find((m) => Array.isArray(m?.breadcrumb) && m.breadcrumb.length === 0)?.metadata ?? {};
    // Singer: a stream is synced when its root metadata says selected (the legacy top-level flag too).
    const selected =
      root.selected === true ||
      (root.selected === undefined && (entry as { selected?: boolean }).selected === true);
    if (!selected) return;
    selection.streams.add(definition.name);
    const protectedProps = new Set([
      ...definition.keyProperties,
      ...(definition.replication.method === "INCREMENTAL" ? [definition.replication.key] : []),
    ]);
    const excluded = new Set<string>();
    for (const m of metadata) {
      if (m?.breadcrumb?.length === 2 && m.breadcrumb[0] === "properties" && m.metadata?.selected === false) {
        const property = String(m.breadcrumb[1]);
        if (!protectedProps.has(property)) excluded.add(property);
      }
    }
    if (excluded.size > 0) selection.excluded.set(definition.name, excluded);
  });
  return selection;
}
