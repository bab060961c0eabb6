import { Writable } from "node:stream";
import type { ClientOverrides } from "../api/create-client.js";
import type { TapConfig } from "../config/config.js";
import { LineSplitter } from "../loaders/core/line-splitter.js";
import { TargetCore } from "../loaders/core/target-core.js";
import type { TargetSetup } from "../loaders/targets.js";
import type { Logger } from "../log/logger.js";
import { TapState } from "../state/tap-state.js";
import type { Selection } from "../tap/catalog.js";
import { runTap, type TapRunResult } from "../tap/run-tap.js";
import { writeStateFile } from "./state-file.js";

export interface SyncOptions {
  config: TapConfig;
  selection: Selection;
  target: TargetSetup;
  /** The previous run's state (undefined: a full sync). */
  state: unknown;
  /** Each STATE the loader confirms replaces this file atomically. */
  stateFile: string | null;
  logger: Logger;
  progress?: boolean;
  client?: ClientOverrides;
  /** Called with each confirmed state (tests kill a run from here). */
  onState?: (state: unknown) => void;
}

export interface SyncResult {
  tap: TapRunResult;
  core: TargetCore;
  lastState: unknown;
}

/**
 * Tap and loader in one process: the tap's Singer lines go straight into the target core,
 * exactly what `tap-usertesting | target-…` does, without a pipe. The state file is replaced
 * with each STATE the loader confirms (only after the records before it are committed).
 */
export async function runSync(options: SyncOptions): Promise<SyncResult> {
  const { logger, target } = options;
  let lastState: unknown = options.state;
  await target.loader.connect();
  const core = new TargetCore({
    loader: target.loader,
    logger,
    ...target.batch,
    emitState: (state) => {
      lastState = state;
      if (options.stateFile) writeStateFile(options.stateFile, state);
      options.onState?.(state);
    },
  });
  const splitter = new LineSplitter();
  const into = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = splitter.push(chunk);
      (async () => {
        for (const line of lines) await core.handleLine(line);
      })().then(() => callback(), callback);
    },
  });
  // Failures reach the tap through each write's callback; the stream's own 'error' event adds nothing.
  into.on("error", () => undefined);
  try {
    const state =
      options.state === undefined
        ? TapState.empty()
        : TapState.parse(options.state, options.stateFile ? `state file ${options.stateFile}` : "the state");
    let tap: TapRunResult;
    try {
      tap = await runTap({
        config: options.config,
        selection: options.selection,
        state,
        logger,
        out: into,
        progress: options.progress,
        client: options.client,
      });
    } catch (error) {
      // The tap stopped (credentials, network): what it sent is valid, so commit it and keep
      // the state it earned rather than fetch it all again next time.
      await core.finish().catch(() => undefined);
      throw error;
    }
    for (const line of splitter.end()) await core.handleLine(line);
    await core.finish();
    logger.info(
      `Loaded into ${target.description}: ${[...core.loaded].map(([s, n]) => `${s} ${n}`).join(", ") || "no records"} in ${core.flushes} commit(s).`,
    );
    return { tap, core, lastState };
  } finally {
    // Never close under a commit that is still running.
    await core.settle();
    await target.loader.close();
  }
}
