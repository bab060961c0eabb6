import type { ResultsApiClient } from "../api/results-api-client.js";
import type { ApiHighlightReel, ApiSessionSummary } from "../api/types.js";
import { mayHave } from "../classify/test-type.js";
import { AuthError, OutputClosedError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import { SessionWalk } from "../state/session-walk.js";
import type { ReelBookmark, TapState } from "../state/tap-state.js";
import type { RecordEmitter } from "../tap/record-emitter.js";
import type { WalkListener, WalkTest } from "../tap/walk-listener.js";
import { realTimers, type Timers } from "../util/timers.js";
import {
  type DownloadResult,
  download,
  MediaGoneError,
  MediaRestartError,
  type MediaSource,
} from "./media-download.js";
import type { MediaStorage } from "./media-storage.js";
import { reelKey, videoKey } from "./object-keys.js";
import { Pool } from "./pool.js";

/** ERROR answers for one version of a reel before it is left as ERROR (until the reel changes). */
export const MAX_REEL_ERRORS = 3;
/** The first wait between polls of a generating reel; it doubles up to REEL_POLL_MAX_MS. */
const REEL_POLL_FIRST_MS = 2_000;
const REEL_POLL_MAX_MS = 60_000;
/** A pre-signed URL this close to its expiry is not worth starting a download with. */
const URL_MARGIN_MS = 60_000;

export interface MediaSyncOptions {
  client: ResultsApiClient;
  storage: MediaStorage;
  emitter: RecordEmitter;
  state: TapState;
  logger: Logger;
  startDate: string | null;
  /** Downloads in flight at once. */
  concurrency: number;
  /** How long a run waits for a reel to be generated. */
  reelWaitMs: number;
  timers?: Timers;
  /** @default 2000 */
  reelPollFirstMs?: number;
}

/** One test's video walk: its own bookmark, and the downloads it has in flight. */
interface VideoWalk {
  walk: SessionWalk;
  inFlight: number;
  listed: boolean;
  failed: boolean;
}

/** What stops every test, not just this one: the credentials, or the output gone. The rest is per test. */
const isFatal = (error: unknown): boolean => error instanceof AuthError || error instanceof OutputClosedError;

/**
 * Session videos and highlight reels into the media storage, riding on the engine's walk.
 *
 * Videos: a walk of each test's listing against a bookmark of its own (TapState.videoPartition),
 * so that selecting session_videos never resets the other streams' bookmarks; each new
 * completed session that can have video costs one URL request (none when the probe already
 * asked, or when the file is already stored), and its download runs in a pool of
 * `concurrency`, outside the rate limit. The bookmark moves only once every download of the
 * test is stored; a failed one is retried by the next run.
 *
 * Reels: listed once per test that can have video; each reel is requested (which starts its
 * generation), polled through the rate limit with growing waits while GENERATING, downloaded
 * once GENERATED; ERROR is asked again up to MAX_REEL_ERRORS times, then recorded. A reel still
 * generating when `reelWaitMs` runs out is recorded GENERATING and asked again by the next run;
 * a stored reel whose lastUpdatedAtMs has not changed costs nothing.
 *
 * A failure (the API, a download, the storage) is reported for its test and the run goes on;
 * only what stops every test (credentials, the output) stops the run, at the next step.
 */
export class MediaSync implements WalkListener {
  readonly active: boolean;
  private readonly videos: boolean;
  private readonly reels: boolean;
  private readonly pool: Pool;
  private readonly timers: Timers;
  private readonly walks = new Map<string, VideoWalk>();
  private readonly reelTasks = new Set<Promise<void>>();
  private fatal: unknown;

  constructor(private readonly options: MediaSyncOptions) {
    this.videos = options.emitter.isSelected("session_videos");
    this.reels = options.emitter.isSelected("highlight_reels");
    this.active = this.videos || this.reels;
    this.pool = new Pool(options.concurrency);
    this.timers = options.timers ?? realTimers;
  }

  beginTest(test: WalkTest): void {
    this.throwIfFatal();
    if (!this.videos) return;
    this.walks.set(test.testId, {
      walk: new SessionWalk(this.options.state.videoPartition(test.testId), this.options.startDate, [
        "session_videos",
      ]),
      inFlight: 0,
      listed: false,
      failed: false,
    });
  }

  async session(test: WalkTest, session: ApiSessionSummary): Promise<void> {
    this.throwIfFatal();
    const entry = this.walks.get(test.testId);
    if (!entry) return;
    // The type is known from the first completed session on (the engine probes it first).
    if (test.testType !== null && !mayHave(test.testType, test.classifiedBy).video) return;
    // Every session goes through the walk: an unfinished one is kept pending for a later run.
    if (entry.walk.decide(session) !== "new-completed") return;
    entry.inFlight += 1;
    const { testId } = test;
    const facts = test.facts.video;
    const known = facts?.sessionId === session.sessionId ? facts.download : undefined;
    void this.pool
      .run(() => this.storeVideo(testId, session, known))
      .then(
        () => entry.walk.markEmitted(session),
        async (error: unknown) => {
          entry.failed = true;
          if (isFatal(error)) this.fatal ??= error;
          else
            await test.fail(
              `The video of session ${session.sessionId} of test ${testId} was not stored (the next run tries again)`,
              error,
              ["session_videos"],
            );
        },
      )
      .finally(() => {
        entry.inFlight -= 1;
        this.completeIfDone(entry);
      });
  }

  canStopAfter(testId: string, oldestStart: string | null | undefined): boolean {
    const entry = this.walks.get(testId);
    return !entry || entry.walk.canStopAfter(oldestStart);
  }

  async endTest(test: WalkTest, _hasCompleted: boolean): Promise<void> {
    this.throwIfFatal();
    const entry = this.walks.get(test.testId);
    if (entry) {
      entry.listed = true;
      this.completeIfDone(entry);
    }
    if (!this.reels || (test.testType !== null && !mayHave(test.testType, test.classifiedBy).video)) return;
    const task = this.storeReels(test).catch(async (error: unknown) => {
      if (isFatal(error)) this.fatal ??= error;
      else
        await test.fail(`The highlight reels of test ${test.testId} were not all stored`, error, [
          "highlight_reels",
        ]);
    });
    this.reelTasks.add(task);
    void task.finally(() => this.reelTasks.delete(task));
  }

  async finish(): Promise<void> {
    while (this.reelTasks.size > 0) await Promise.all([...this.reelTasks]);
    await this.pool.idle();
    this.throwIfFatal();
  }

  private throwIfFatal(): void {
    if (this.fatal) throw this.fatal;
  }

  /** Moves a test's video bookmark once its listing is walked and all its downloads are stored. */
  private completeIfDone(entry: VideoWalk): void {
    if (entry.listed && entry.inFlight === 0 && !entry.failed) entry.walk.complete();
  }

  private async storeVideo(
    testId: string,
    session: ApiSessionSummary,
    known: { videoUrl: string; expiresAt: string } | null | undefined,
  ): Promise<void> {
    const { client, storage, emitter } = this.options;
    const key = videoKey(session.sessionId);
    const emit = (
      stored: Parameters<typeof emitter.emit<"sessionVideo">>[1]["stored"],
      type: string | null,
    ) =>
      emitter.emit("sessionVideo", {
        testId,
        sessionId: session.sessionId,
        finishTime: session.finishTime,
        stored,
        contentType: type,
        downloadedAt: new Date(this.timers.now()).toISOString(),
      });
    // Already stored whole (an earlier run, or another deployment): no call, no download.
    const existing = await storage.stat(key);
    if (existing) return emit(existing, "video/mp4");
    if (known === null) return; // The probe's request answered 404: no video.
    let first =
      known && Date.parse(known.expiresAt) - this.timers.now() > URL_MARGIN_MS ? known.videoUrl : null;
    if (first === null) {
      const answer = await client.videoDownloadUrl(session.sessionId);
      if (!answer) return; // No video for this session.
      first = answer.videoUrl;
    }
    let initial: string | null = first;
    const result = await this.fetchInto(key, {
      what: `the video of session ${session.sessionId}`,
      freshUrl: async () => {
        const url = initial ?? (await client.videoDownloadUrl(session.sessionId))?.videoUrl ?? null;
        initial = null;
        return url;
      },
    });
    if (!result) return; // Gone since it was listed: nothing to store.
    await emit(result.stored, result.contentType);
  }

  /**
   * Downloads into a fresh upload of `key`; once more from the start if the bytes kept from an
   * interrupted run cannot be continued. Null: the media is gone.
   */
  private async fetchInto(key: string, source: MediaSource): Promise<DownloadResult | null> {
    for (let attempt = 1; ; attempt++) {
      const upload = await this.options.storage.open(key, { contentType: "video/mp4" });
      try {
        return await download(source, upload, { logger: this.options.logger, timers: this.timers });
      } catch (error) {
        if (error instanceof MediaRestartError && attempt === 1) continue;
        if (error instanceof MediaGoneError) return null;
        throw error;
      }
    }
  }

  private async storeReels(test: WalkTest): Promise<void> {
    const { client, emitter } = this.options;
    // The OpenAPI answers 404 for a test without reels; the guides an empty list. Both are none.
    const list = await client.highlightReels(test.testId);
    if (!list) return;
    const extractedAt = new Date(this.timers.now()).toISOString();
    const outcomes = new Map<string, ReelBookmark>();
    await Promise.all(
      list.reels.map(async (reel) => outcomes.set(reel.uuid, await this.storeReel(test.testId, reel))),
    );
    await emitter.emit("highlightReels", { testId: test.testId, list, extractedAt, outcomes });
  }

  /** One reel: stored, or why not; the outcome is also its bookmark. */
  private async storeReel(testId: string, reel: ApiHighlightReel): Promise<ReelBookmark> {
    const { client, storage, state } = this.options;
    const key = reelKey(testId, reel.uuid);
    const version = typeof reel.lastUpdatedAtMs === "number" ? reel.lastUpdatedAtMs : null;
    const known = state.reel(reel.uuid);
    const sameVersion = known !== undefined && known.last_updated_at_ms === version;
    if (sameVersion && known.status === "GENERATED" && known.sha256) {
      const stored = await storage.stat(key);
      if (stored && stored.sha256 === known.sha256) return known;
    }
    if (sameVersion && known.status === "ERROR" && (known.errors ?? 0) >= MAX_REEL_ERRORS) return known;
    let errors = sameVersion ? (known.errors ?? 0) : 0;
    const record = (bookmark: Omit<ReelBookmark, "test_id" | "last_updated_at_ms">): ReelBookmark => {
      const full: ReelBookmark = { test_id: testId, last_updated_at_ms: version, ...bookmark };
      state.setReel(reel.uuid, full);
      return full;
    };
    const deadline = this.timers.now() + this.options.reelWaitMs;
    let wait = this.options.reelPollFirstMs ?? REEL_POLL_FIRST_MS;
    for (;;) {
      // Each request goes through the rate limit; the first one starts the generation.
      const answer = await client.highlightReel(testId, reel.uuid);
      if (!answer) return record({ status: "ERROR", errors: errors + 1 });
      if (answer.status === "GENERATED" && answer.reelUrl) {
        let initial: string | null = answer.reelUrl;
        const result = await this.fetchInto(key, {
          what: `highlight reel ${reel.uuid} of test ${testId}`,
          freshUrl: async () => {
            const url = initial ?? (await client.highlightReel(testId, reel.uuid))?.reelUrl ?? null;
            initial = null;
            return url;
          },
        });
        if (!result) return record({ status: "ERROR", errors: errors + 1 });
        return record({
          status: "GENERATED",
          errors: 0,
          storage_path: result.stored.location,
          bytes: result.stored.bytes,
          sha256: result.stored.sha256,
          content_type: result.contentType,
          downloaded_at: new Date(this.timers.now()).toISOString(),
        });
      }
      if (answer.status === "ERROR") {
        errors += 1;
        if (errors >= MAX_REEL_ERRORS) {
          this.options.logger.warn(
            `Highlight reel ${reel.uuid} of test ${testId} failed to generate ${errors} times; recorded as ERROR (asked again once the reel changes).`,
          );
          return record({ status: "ERROR", errors });
        }
      } else if (this.timers.now() + wait > deadline) {
        this.options.logger.info(
          `Highlight reel ${reel.uuid} of test ${testId} is still generating after ${Math.round(this.options.reelWaitMs / 1000)} s; the next run picks it up.`,
        );
        return record({ status: "GENERATING", errors });
      }
      await this.timers.sleep(wait);
      wait = Math.min(wait * 2, REEL_POLL_MAX_MS);
    }
  }
}
