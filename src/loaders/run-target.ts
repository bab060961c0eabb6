import type { Logger } from "../log/logger.js";
import type { Loader } from "./core/loader.js";
import { type BatchOptions, TargetCore } from "./core/target-core.js";

export interface TargetRunOptions {
  loader: Loader;
  batch: BatchOptions;
  /** Singer messages, one a line: single lines, or arrays of them as readLines() gives them. */
  lines: AsyncIterable<string | Buffer | readonly Buffer[]>;
  emitState: (state: unknown) => void | Promise<void>;
  logger: Logger;
}

/** Runs a loader over a stream of Singer lines: connect, load, commit, pass STATE on, close. */
export async function runTarget(options: TargetRunOptions): Promise<TargetCore> {
  const { loader, logger } = options;
  // Start iterating before the first await: an eager source (readline, a stream's data
  // events) emits lines whether or not anyone iterates, and those would be lost.
  const lines = options.lines[Symbol.asyncIterator]();
  await loader.connect();
  const core = new TargetCore({ loader, emitState: options.emitState, logger, ...options.batch });
  try {
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const value = next.value;
      if (!Array.isArray(value)) {
        await core.handleLine(value as string | Buffer);
        continue;
      }
      for (const line of value as readonly Buffer[]) {
        const waiting = core.handleLine(line);
        if (waiting) await waiting;
      }
    }
    await core.finish();
  } finally {
    // Never close under a commit that is still running.
    await core.settle();
    await loader.close();
  }
  logger.info(
    `Loaded ${[...core.loaded].map(([stream, n]) => `${stream} ${n}`).join(", ") || "no records"} in ${core.flushes} commit(s).`,
  );
  return core;
}
