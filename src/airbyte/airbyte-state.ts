import { ConfigError } from "../errors.js";
import type { Classification, ReelBookmark, SessionPartition, StateJson } from "../state/tap-state.js";
import { WALKED_STREAMS } from "../streams/registry.js";
import type { SyncMode } from "./airbyte-catalog.js";

/**
 * The tap's state as Airbyte per-STREAM states, and back.
 *
 * Why STREAM and not GLOBAL: Airbyte resets and reconfigures one stream at a time, runs CAT's
 * checks on `state.stream`, and wants each stream's state to stand alone; one walk of the
 * listings feeds six streams here, but each stream can carry its own copy of the per-test
 * bookmarks it needs (about 60 bytes a test). What each stream's `stream_state` holds:
 *
 * - sessions, demographics, task_groups, tasks, transcripts, clips: `finish_time` (test id →
 *   the finish time up to which that test's completed sessions are out), `pending` (test id →
 *   sessions seen unfinished), `in_progress` (a walk cut short: its own bookmark and the sessions
 *   already out).
 * - The classification cache (test types, session counts, whether QX scores are stale, when each
 *   was listed) and the tests a time budget left unreached ride on one stream's state only:
 *   tests when it is synced, else the first synced stream. Losing them costs calls, never data.
 * - Any incremental stream's state may hold `start_after` (never written by the tap): records
 *   whose cursor is at or before it are not synced, as a start_date for that stream alone.
 * - session_videos: the same, from its own walk (bookmarks.media.videos).
 * - highlight_reels: `reels`, what became of each reel (stored, generating, failed), so that a
 *   stored reel is not fetched again; and, as every full-refresh stream, `synced_at`.
 * - Full-refresh streams: `synced_at`, when the run that emitted them started.
 *
 * A stream whose state is missing, null or {} (Airbyte's reset), or that is configured as
 * full_refresh, starts again from start_date; the others keep their bookmarks.
 */

/** Streams the walk of each test's session listing feeds (as the engine's: their sources are per session). */
export const SESSION_STREAMS = WALKED_STREAMS;
/** Streams with per-test bookmarks: the session walk's, and session_videos' own (the media walk). */
const WALKED = [...SESSION_STREAMS, "session_videos"];
const walkOf = (stream: string): "sessions" | "videos" =>
  stream === "session_videos" ? "videos" : "sessions";
/** Streams whose fetches need the tests' classification: the cache's preferred carriers, in order. */
const CARRIERS = ["tests", "transcripts", "clips", "qx_scores", "qx_task_group_scores", "highlight_reels"];
const QX_STREAMS = ["qx_scores", "qx_task_group_scores"];

/** The tap's own (Singer) state document. */
export type SingerStateJson = StateJson;

type Blob = Record<string, unknown>;

/** The stream that carries the classification cache among `streams` (configured, in catalog order). */
export function carrierOf(streams: readonly string[]): string | undefined {
  return CARRIERS.find((s) => streams.includes(s)) ?? streams[0];
}

/** Each configured stream's `stream_state` for the tap's state `singer`. */
export function streamStates(
  singer: SingerStateJson,
  streams: readonly string[],
  syncedAt: string,
): Map<string, Blob> {
  const walks = {
    sessions: singer.bookmarks?.sessions?.partitions ?? [],
    videos: singer.bookmarks?.media?.videos?.partitions ?? [],
  };
  const carrier = carrierOf(streams);
  const out = new Map<string, Blob>();
  for (const stream of streams) {
    const blob: Blob = {};
    const partitions = walks[walkOf(stream)];
    if (WALKED.includes(stream)) {
      const finish: Record<string, string | null> = {};
      const pending: Record<string, string[]> = {};
      const inProgress: Record<string, unknown> = {};
      for (const p of partitions) {
        if (!p.streams.includes(stream)) continue;
        const test = p.context.test_id;
        finish[test] = p.replication_key_value;
        if (p.pending.length > 0) pending[test] = p.pending;
        if (p.progress_markers)
          inProgress[test] = {
            finish_time: p.progress_markers.replication_key_value,
            emitted: p.progress_markers.emitted,
          };
      }
      blob.finish_time = finish;
      if (Object.keys(pending).length > 0) blob.pending = pending;
      if (Object.keys(inProgress).length > 0) blob.in_progress = inProgress;
    } else {
      blob.synced_at = syncedAt;
    }
    // What each reel became: a stored one with the same version is not fetched again.
    if (stream === "highlight_reels") blob.reels = singer.bookmarks?.media?.reels ?? {};
    if (stream === carrier) {
      blob.classifications = singer.bookmarks?.tests ?? {};
      // The tests a run's time budget did not reach: the next run starts with them.
      const unreached = singer.bookmarks?.run?.unreached ?? [];
      if (unreached.length > 0) blob.unreached = unreached;
    }
    out.set(stream, blob);
  }
  return out;
}

/** What `read --state` said, made into the tap's state and the per-stream floors it asks for. */
export interface RestoredState {
  singer: SingerStateJson;
  /** Per stream: `start_after` from its state. */
  startAfter: Map<string, string>;
  /** Streams that start again (no state, reset, or full_refresh). */
  restarted: string[];
}

const isBlob = (v: unknown): v is Blob => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Reads the `--state` file's content: an array of STREAM states (what the platform passes), one
 * GLOBAL state, or a legacy object (this tap's own Singer state, as `tap-usertesting --state`
 * takes it). Anything else is a ConfigError naming where it is wrong.
 */
export function restoreState(
  input: unknown,
  modes: ReadonlyMap<string, SyncMode>,
  source: string,
): RestoredState {
  const perStream = new Map<string, Blob>();
  let legacy: SingerStateJson | null = null;
  if (input === null || input === undefined) {
    // No state: a first sync.
  } else if (Array.isArray(input)) {
    input.forEach((message, index) => {
      const where = `${source}, [${index}]`;
      if (!isBlob(message)) throw new ConfigError(`The state in ${where} is not an object.`);
      if (message.type === "STREAM" || (message.type === undefined && isBlob(message.stream))) {
        const stream = message.stream as { stream_descriptor?: { name?: unknown }; stream_state?: unknown };
        const name = stream?.stream_descriptor?.name;
        if (typeof name !== "string")
          throw new ConfigError(`The state in ${where} has no stream.stream_descriptor.name.`);
        if (isBlob(stream.stream_state)) perStream.set(name, stream.stream_state);
      } else if (message.type === "GLOBAL" || (message.type === undefined && isBlob(message.global))) {
        const global = message.global as { stream_states?: unknown; shared_state?: unknown };
        if (!Array.isArray(global?.stream_states))
          throw new ConfigError(`The state in ${where} is GLOBAL without a stream_states array.`);
        for (const s of global.stream_states as Array<{
          stream_descriptor?: { name?: unknown };
          stream_state?: unknown;
        }>) {
          if (typeof s?.stream_descriptor?.name === "string" && isBlob(s.stream_state))
            perStream.set(s.stream_descriptor.name, s.stream_state);
        }
        if (isBlob(global.shared_state) && isBlob(global.shared_state.bookmarks))
          legacy = global.shared_state as SingerStateJson;
      } else if (message.type === "LEGACY" || (message.type === undefined && isBlob(message.data))) {
        if (isBlob(message.data)) legacy = message.data as SingerStateJson;
      } else {
        throw new ConfigError(
          `The state in ${where} has type ${JSON.stringify(message.type ?? null)}; an Airbyte state is STREAM, GLOBAL or LEGACY.`,
        );
      }
    });
  } else if (isBlob(input)) {
    legacy = input as SingerStateJson;
  } else {
    throw new ConfigError(
      `The state in ${source} must be an array of Airbyte state messages or a state object, not ${JSON.stringify(input).slice(0, 40)}.`,
    );
  }
  return merge(legacy, perStream, modes, source);
}

function merge(
  legacy: SingerStateJson | null,
  perStream: Map<string, Blob>,
  modes: ReadonlyMap<string, SyncMode>,
  source: string,
): RestoredState {
  const singer: SingerStateJson = structuredClone(legacy ?? {});
  singer.bookmarks ??= {};
  const bookmarks = singer.bookmarks;
  const classifications: Record<string, Classification> = { ...(bookmarks.tests ?? {}) };
  const byTest = (list: SessionPartition[] | undefined) =>
    new Map<string, SessionPartition>((list ?? []).map((p) => [p.context.test_id, structuredClone(p)]));
  const walks = {
    sessions: byTest(bookmarks.sessions?.partitions),
    videos: byTest(bookmarks.media?.videos?.partitions),
  };
  let reels: Record<string, ReelBookmark> = { ...(bookmarks.media?.reels ?? {}) };
  let unreached: string[] = bookmarks.run?.unreached ?? [];
  const startAfter = new Map<string, string>();
  const restarted: string[] = [];
  const partition = (stream: string, test: string): SessionPartition => {
    const partitions = walks[walkOf(stream)];
    let p = partitions.get(test);
    if (!p) {
      p = {
        context: { test_id: test },
        replication_key: "finish_time",
        replication_key_value: null,
        streams: [],
        pending: [],
      };
      partitions.set(test, p);
    }
    return p;
  };

  for (const [stream, blob] of perStream) {
    const where = `${source}, stream ${stream}`;
    if (isBlob(blob.classifications)) Object.assign(classifications, blob.classifications);
    if (Array.isArray(blob.unreached)) unreached = blob.unreached.map(String);
    if (typeof blob.start_after === "string") {
      if (Number.isNaN(Date.parse(blob.start_after)))
        throw new ConfigError(`The state in ${where}: start_after is not a timestamp (${blob.start_after}).`);
      startAfter.set(stream, blob.start_after);
    }
    if (stream === "highlight_reels" && isBlob(blob.reels))
      reels = { ...reels, ...(blob.reels as Record<string, ReelBookmark>) };
    if (!WALKED.includes(stream) || blob.finish_time === undefined) continue;
    if (!isBlob(blob.finish_time))
      throw new ConfigError(`The state in ${where}: finish_time must map test ids to finish times.`);
    for (const [test, finish] of Object.entries(blob.finish_time)) {
      if (finish !== null && (typeof finish !== "string" || Number.isNaN(Date.parse(finish))))
        throw new ConfigError(`The state in ${where}: finish_time of test ${test} is not a timestamp.`);
      const p = partition(stream, test);
      // Several streams' bookmarks for one test become one: the earliest, so no stream misses a session.
      if (p.streams.length === 0) p.replication_key_value = finish;
      else if (finish === null || p.replication_key_value === null) p.replication_key_value = null;
      else if (Date.parse(finish) < Date.parse(p.replication_key_value)) p.replication_key_value = finish;
      p.streams = [...new Set([...p.streams, stream])];
      const pending = isBlob(blob.pending) ? blob.pending[test] : undefined;
      if (Array.isArray(pending)) p.pending = [...new Set([...p.pending, ...pending.map(String)])];
      const progress = isBlob(blob.in_progress) ? blob.in_progress[test] : undefined;
      if (isBlob(progress) && Array.isArray(progress.emitted)) {
        const emitted = progress.emitted.map(String);
        // Walks cut short are resumed for the sessions every stream has: the intersection.
        p.progress_markers = p.progress_markers
          ? {
              replication_key_value: p.progress_markers.replication_key_value,
              emitted: p.progress_markers.emitted.filter((id) => emitted.includes(id)),
            }
          : { replication_key_value: (progress.finish_time as string | null) ?? null, emitted };
      }
    }
  }

  // Streams that start again: configured full_refresh, or without a state of their own (a first
  // sync, or Airbyte's reset) unless a legacy state covers every stream.
  for (const [stream, mode] of modes) {
    const own = perStream.get(stream);
    const hasOwn = own !== undefined && Object.keys(own).length > 0;
    const coveredByLegacy = legacy !== null && perStream.size === 0;
    const restart =
      mode === "full_refresh" ||
      (!hasOwn && !coveredByLegacy) ||
      (hasOwn && WALKED.includes(stream) && own.finish_time === undefined);
    if (!restart) continue;
    restarted.push(stream);
    if (WALKED.includes(stream))
      for (const p of walks[walkOf(stream)].values()) p.streams = p.streams.filter((s) => s !== stream);
    // A reset of the reels forgets what was stored: each is fetched again (and overwritten).
    if (stream === "highlight_reels" && !hasOwn) reels = {};
  }
  // QX scores are refetched only when stale: a restarted QX stream must get every test's again.
  if (QX_STREAMS.some((s) => restarted.includes(s)))
    for (const [test, c] of Object.entries(classifications))
      classifications[test] = { ...c, qx_scores_stale: true };

  bookmarks.tests = classifications;
  bookmarks.sessions = { partitions: [...walks.sessions.values()] };
  bookmarks.media = { videos: { partitions: [...walks.videos.values()] }, reels };
  bookmarks.run = { unreached };
  return { singer, startAfter, restarted };
}
