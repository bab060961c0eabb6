import { resolveConfig } from "../../src/config/config.js";
import type { Loader } from "../../src/loaders/core/loader.js";
import { loadTargetSettings, targetByName } from "../../src/loaders/targets.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runSync } from "../../src/sync/run-sync.js";
import { readStateFile } from "../../src/sync/state-file.js";
import { defaultSelection } from "../../src/tap/catalog.js";

export interface SyncIntoOptions {
  /** The state file to resume from and keep, as `sync --state-file` does. */
  stateFile?: string;
  /** Wraps the loader (a killer, a fault), as the specs need. */
  wrap?: (loader: Loader) => Loader;
}

/**
 * `tap-usertesting sync --target <name>` in-process: the sandbox's default streams into the
 * loader the TARGET_<NAME>_* settings in `env` describe. Resolves with the outcome, an error
 * included, and the log lines.
 */
export async function syncInto(
  sandbox: Sandbox,
  name: string,
  env: Record<string, string>,
  options: SyncIntoOptions = {},
) {
  const { logger, lines } = memoryLogger();
  const target = targetByName(name);
  const setup = target.create(loadTargetSettings(target, [], env), logger);
  if (options.wrap) setup.loader = options.wrap(setup.loader);
  try {
    const result = await runSync({
      config: resolveConfig({ ...sandbox.tapSettings(), requests_per_minute: 100_000 }),
      selection: defaultSelection(),
      target: setup,
      state: options.stateFile ? readStateFile(options.stateFile) : undefined,
      stateFile: options.stateFile ?? null,
      logger,
      progress: false,
      client: { retry: { minTimeoutMs: 1, maxTimeoutMs: 2 } },
    });
    return { result, logs: lines, error: undefined };
  } catch (error) {
    return { result: undefined, logs: lines, error };
  }
}
