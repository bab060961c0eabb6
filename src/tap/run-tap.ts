import type { Writable } from "node:stream";
import { type ClientOverrides, createApiClient } from "../api/create-client.js";
import type { TapConfig } from "../config/config.js";
import type { RequestStats } from "../http/request-stats.js";
import type { Logger } from "../log/logger.js";
import { MediaSync } from "../media/media-sync.js";
import { openStorage } from "../media/storage/storage-url.js";
import { failureOf } from "../protocol/failure.js";
import type { MessageWriter } from "../protocol/message-writer.js";
import { SingerWriter } from "../protocol/singer.js";
import type { TapState } from "../state/tap-state.js";
import type { Selection } from "./catalog.js";
import { ProgressReporter } from "./progress.js";
import { RecordEmitter } from "./record-emitter.js";
import { summaryLines } from "./summary.js";
import { SyncEngine, type SyncReport } from "./sync-engine.js";

export interface TapRunOptions {
  config: TapConfig;
  selection: Selection;
  state: TapState;
  logger: Logger;
  /** Where Singer messages go, when no `writer` is given. @default process.stdout */
  out?: Writable;
  /** The protocol the run speaks. @default a SingerWriter on `out` */
  writer?: MessageWriter;
  client?: ClientOverrides;
  /** @default a live line on stderr when it is a terminal, else a progress log line every minute */
  progress?: boolean;
  stateEvery?: number;
}

export interface TapRunResult {
  report: SyncReport;
  stats: RequestStats;
  records: Map<string, number>;
  exitCode: number;
}

/** The media streams `media_streams` turns on, added to what the catalog selects. */
function withMediaStreams(selection: Selection, config: TapConfig): Selection {
  if (config.media.streams.length === 0) return selection;
  return { ...selection, streams: new Set([...selection.streams, ...config.media.streams]) };
}

/** One tap run: SCHEMA, RECORD and STATE messages out, the summary to the logger. */
export async function runTap(options: TapRunOptions): Promise<TapRunResult> {
  const { config, state, logger } = options;
  const selection = withMediaStreams(options.selection, config);
  const writer = options.writer ?? new SingerWriter(options.out);
  const emitter = new RecordEmitter(writer, selection, logger);
  const { client, stats } = createApiClient(config, {
    logger,
    // Told, not awaited: the status line goes out between the messages around it.
    onRateLimitWait: (until) => void emitter.rateLimited(until).catch(() => undefined),
    ...options.client,
  });
  // Off: neither the live line nor the periodic log line. Else a terminal gets the live line,
  // and anything else (cron, CI) a log line every minute.
  const progress = new ProgressReporter({
    stats,
    requestsPerMinute: config.requestsPerMinute,
    timers: options.client?.timers,
    ...(options.progress === false ? { terminal: null, logger: null } : { logger }),
  });
  const started = Date.now();
  // Media go to the storage the settings name, opened (and checked) before any API call.
  const wantsMedia = selection.streams.has("session_videos") || selection.streams.has("highlight_reels");
  const storage = wantsMedia ? await openStorage(config.media.storage, logger) : null;
  const media = storage
    ? new MediaSync({
        client,
        storage,
        emitter,
        state,
        logger,
        startDate: config.startDate,
        concurrency: config.media.concurrency,
        reelWaitMs: config.media.reelWaitMs,
        ...(options.client?.timers ? { timers: options.client.timers } : {}),
      })
    : null;
  const engine = new SyncEngine({
    config,
    client,
    emitter,
    state,
    logger,
    progress,
    stateEvery: options.stateEvery,
    listeners: media ? [media] : [],
    ...(options.client?.timers ? { now: () => options.client?.timers?.now() ?? Date.now() } : {}),
  });
  let report: SyncReport;
  try {
    report = await engine.run();
    await emitter.writeState(state.toJSON());
    await emitter.finishStreams();
  } catch (error) {
    // What stopped the run is the caller's to say to a person; the protocol hears it too.
    await emitter.finishStreams(true).catch(() => undefined);
    await emitter.failed(failureOf(error)).catch(() => undefined);
    throw error;
  } finally {
    progress.finish();
    await storage?.close().catch(() => undefined);
  }
  for (const line of summaryLines(report, emitter.counts, stats, {
    elapsedMs: Date.now() - started,
    requestsPerMinute: config.requestsPerMinute,
  })) {
    logger.info(line);
  }
  return { report, stats, records: emitter.counts, exitCode: report.errors.length > 0 ? 1 : 0 };
}
