import type { TestType } from "../classify/test-type.js";
import { ConfigError } from "../errors.js";
import { createAjv, describeSchemaError, jsonPointerToPath, readSchema } from "../util/json-schema.js";

export interface Classification {
  api: "results_api" | "classic";
  test_type: TestType | null;
  classified_by: "product_type" | "probe" | null;
  /** Sessions listed when the test was last listed (kept for runs that do not list it). */
  session_count?: number | null;
  /**
   * True while the test has completed sessions its QX scores (which aggregate them) were not
   * fetched since; false once fetched. Absent (a state from before) counts as true.
   */
  qx_scores_stale?: boolean;
  /** When a run last walked the test's listing. */
  listed_at?: string;
  /** When a run last found the test's session count changed (or first listed it). */
  activity_at?: string;
}

/** Bookmark of one test's sessions (Singer per-partition state, as Meltano SDK taps keep it). */
export interface SessionPartition {
  context: { test_id: string };
  replication_key: "finish_time";
  /** Every completed session that finished at or before this has been emitted. */
  replication_key_value: string | null;
  /** The session-derived streams this bookmark covers: a stream selected later starts from start_date. */
  streams: string[];
  /** Sessions seen while not yet completed: fetched once they complete, whatever their finish time. */
  pending: string[];
  /** Present while a walk of the listing is unfinished (newest first: the bookmark cannot move yet). */
  progress_markers?: { replication_key_value: string | null; emitted: string[] };
}

/** A highlight reel's last outcome: what was stored, or why not (yet). */
export interface ReelBookmark {
  test_id: string;
  status: "GENERATING" | "GENERATED" | "ERROR";
  /** lastUpdatedAtMs of the reel when it was stored: a newer one means a new version to fetch. */
  last_updated_at_ms?: number | null;
  /** ERROR answers so far for this version. */
  errors?: number;
  storage_path?: string | null;
  bytes?: number | null;
  sha256?: string | null;
  content_type?: string | null;
  downloaded_at?: string | null;
}

/** The state document, as --state takes it and STATE messages carry it. */
export interface StateJson {
  bookmarks?: {
    tests?: Record<string, Classification>;
    sessions?: { partitions?: SessionPartition[] };
    media?: { videos?: { partitions?: SessionPartition[] }; reels?: Record<string, ReelBookmark> };
    /** The tests the last run did not reach (its time budget ran out): the next run starts with them. */
    run?: { unreached?: string[] };
    [other: string]: unknown;
  };
  [other: string]: unknown;
}

const validate = createAjv().compile<StateJson>(readSchema("state.schema.json"));

/** The tap's Singer state: test classifications, per-test session bookmarks, and media progress. */
export class TapState {
  private readonly classifications: Map<string, Classification>;
  private readonly partitions: Map<string, SessionPartition>;
  /** Per test, which completed sessions' videos are stored: a walk of its own over the listing. */
  private readonly videoPartitions: Map<string, SessionPartition>;
  private readonly reels: Map<string, ReelBookmark>;
  private unreachedTests: string[];

  private constructor(private readonly raw: StateJson) {
    this.classifications = new Map(Object.entries(raw.bookmarks?.tests ?? {}));
    const byTest = (list: SessionPartition[] | undefined) =>
      new Map((list ?? []).map((p) => [p.context.test_id, normalise(p)]));
    this.partitions = byTest(raw.bookmarks?.sessions?.partitions);
    this.videoPartitions = byTest(raw.bookmarks?.media?.videos?.partitions);
    this.reels = new Map(Object.entries(raw.bookmarks?.media?.reels ?? {}));
    this.unreachedTests = raw.bookmarks?.run?.unreached ?? [];
  }

  static empty(): TapState {
    return new TapState({});
  }

  /** Validates a state document (from --state or a target's STATE), naming the bad field and `source`. */
  static parse(value: unknown, source: string): TapState {
    // Singer targets echo {"value": {...}}-less state; some tools wrap it: accept both.
    const candidate =
      value !== null && typeof value === "object" && "value" in value && !("bookmarks" in value)
        ? (value as { value: unknown }).value
        : value;
    if (candidate === null || typeof candidate !== "object" || Array.isArray(candidate)) {
      throw new ConfigError(`The state in ${source} must be a JSON object such as {"bookmarks": {...}}.`);
    }
    if (!validate(candidate)) {
      const error = validate.errors?.[0];
      const path = error ? jsonPointerToPath(error.instancePath) : "";
      throw new ConfigError(
        `The state in ${source} is not a state this tap wrote: '${path || "(root)"}' ${error ? describeSchemaError(error) : "is invalid"}. Fix it, or run without --state for a full sync.`,
      );
    }
    return new TapState(structuredClone(candidate));
  }

  classification(testId: string): Classification | undefined {
    return this.classifications.get(testId);
  }

  /** Sets what is known of a test; when it was listed and last active carry over unless given. */
  setClassification(testId: string, classification: Classification): void {
    const known = this.classifications.get(testId);
    this.classifications.set(testId, {
      ...(known?.listed_at ? { listed_at: known.listed_at } : {}),
      ...(known?.activity_at ? { activity_at: known.activity_at } : {}),
      ...classification,
    });
  }

  /** A run walked the test's listing at `at`; `changed`: its session count differs from the last run's (or it is new). */
  markListed(testId: string, at: string, changed: boolean): void {
    const known = this.classifications.get(testId);
    if (!known) return;
    this.classifications.set(testId, {
      ...known,
      listed_at: at,
      ...(changed || known.activity_at === undefined ? { activity_at: at } : {}),
    });
  }

  /** A new completed session was emitted: the test's QX scores are out of date until fetched again. */
  markQxScoresStale(testId: string): void {
    const known = this.classifications.get(testId) ?? {
      api: "results_api",
      test_type: null,
      classified_by: null,
    };
    this.classifications.set(testId, { ...known, qx_scores_stale: true });
  }

  /** The partition of a test, created empty on first use. */
  partition(testId: string): SessionPartition {
    return partitionOf(this.partitions, testId);
  }

  /** The bookmark of a test's stored videos (apart from the session walk's), created empty on first use. */
  videoPartition(testId: string): SessionPartition {
    return partitionOf(this.videoPartitions, testId);
  }

  /** The test's session bookmark if it has one (partition() creates it). */
  knownPartition(testId: string): SessionPartition | undefined {
    return this.partitions.get(testId);
  }

  /** The test's video bookmark if it has one (videoPartition() creates it). */
  knownVideoPartition(testId: string): SessionPartition | undefined {
    return this.videoPartitions.get(testId);
  }

  /** The tests the last run did not reach, in its order. */
  unreached(): readonly string[] {
    return this.unreachedTests;
  }

  setUnreached(testIds: readonly string[]): void {
    this.unreachedTests = [...testIds];
  }

  reel(reelId: string): ReelBookmark | undefined {
    return this.reels.get(reelId);
  }

  setReel(reelId: string, bookmark: ReelBookmark): void {
    this.reels.set(reelId, bookmark);
  }

  toJSON(): StateJson {
    const media =
      this.videoPartitions.size > 0 || this.reels.size > 0
        ? {
            media: {
              videos: { partitions: [...this.videoPartitions.values()] },
              reels: Object.fromEntries(this.reels),
            },
          }
        : {};
    return {
      ...this.raw,
      bookmarks: {
        ...this.raw.bookmarks,
        tests: Object.fromEntries(this.classifications),
        sessions: { partitions: [...this.partitions.values()] },
        ...media,
        ...(this.unreachedTests.length > 0
          ? { run: { unreached: this.unreachedTests } }
          : { run: undefined }),
      },
    };
  }
}

function partitionOf(partitions: Map<string, SessionPartition>, testId: string): SessionPartition {
  let partition = partitions.get(testId);
  if (!partition) {
    partition = normalise({ context: { test_id: testId } } as SessionPartition);
    partitions.set(testId, partition);
  }
  return partition;
}

function normalise(p: SessionPartition): SessionPartition {
  return {
    context: { test_id: p.context.test_id },
    replication_key: "finish_time",
    replication_key_value: p.replication_key_value ?? null,
    streams: p.streams ?? [],
    pending: p.pending ?? [],
    ...(p.progress_markers
      ? {
          progress_markers: {
            replication_key_value: p.progress_markers.replication_key_value ?? null,
            emitted: p.progress_markers.emitted,
          },
        }
      : {}),
  };
}
