import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { loadTargetSettings, targetByName } from "../loaders/targets.js";
import { Logger } from "../log/logger.js";
import { runSync } from "../sync/run-sync.js";
import { assertStateFileWritable, readStateFile } from "../sync/state-file.js";
import { defaultSelection, loadSelection } from "../tap/catalog.js";
import { withRunBudget } from "./run-budget-flag.js";

export const SYNC_HELP = `tap-usertesting sync: extract and load in one process

Usage:
  tap-usertesting sync --config FILE [--config FILE ...] [--target duckdb] [--target-config FILE]
                       [--state-file FILE] [--full-refresh] [--catalog FILE] [--max-run-minutes N]

  --target NAME          loader: duckdb (default; a local database file, no account needed)
  --target-config FILE   loader settings (default for duckdb: ./usertesting.duckdb, schema usertesting)
  --state-file FILE      read the state from FILE and replace it (atomically) with each state the
                         loader confirms; run the same command again to sync only what is new
  --full-refresh         ignore the state file and sync everything (the file is still rewritten)
  --catalog FILE         only the streams selected in this Singer catalog
  --max-run-minutes N    time budget (over the max_run_minutes setting): past it no new test
                         starts, the run ends well and the next one starts with the tests left
`;

export async function syncCommand(args: string[]): Promise<number> {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        config: { type: "string", multiple: true },
        target: { type: "string", default: "duckdb" },
        "target-config": { type: "string", multiple: true },
        "state-file": { type: "string" },
        "full-refresh": { type: "boolean" },
        catalog: { type: "string" },
        "max-run-minutes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run tap-usertesting sync --help for the options.`);
  }
  if (values.help) {
    process.stdout.write(SYNC_HELP);
    return 0;
  }
  const configFiles = (values.config as string[] | undefined) ?? [];
  if (configFiles.length === 0)
    throw new ConfigError("sync needs --config FILE. Run tap-usertesting sync --help for the options.");
  const config = withRunBudget(
    loadConfig(configFiles),
    values["max-run-minutes"] as string | undefined,
    "tap-usertesting sync",
  );
  const target = targetByName(String(values.target));
  const logger = new Logger();
  const setup = target.create(
    loadTargetSettings(target, (values["target-config"] as string[] | undefined) ?? []),
    logger,
  );
  const stateFile = (values["state-file"] as string | undefined) ?? null;
  const fullRefresh = values["full-refresh"] === true;
  const state = stateFile && !fullRefresh ? readStateFile(stateFile) : undefined;
  if (stateFile) assertStateFileWritable(stateFile);
  const selection = typeof values.catalog === "string" ? loadSelection(values.catalog) : defaultSelection();
  logger.info(`Syncing into ${setup.description}; ${stateNote(stateFile, state, fullRefresh)}`);
  const { tap } = await runSync({ config, selection, target: setup, state, stateFile, logger });
  return tap.exitCode;
}

/** What the run starts from, for the first log line. */
function stateNote(stateFile: string | null, state: unknown, fullRefresh: boolean): string {
  if (!stateFile) return "full sync (no --state-file)";
  if (fullRefresh)
    return existsSync(stateFile)
      ? `state file ${stateFile} ignored (--full-refresh): full sync; it is rewritten as the run goes`
      : `full sync (--full-refresh); state in ${stateFile}`;
  return state === undefined
    ? `state in ${stateFile} (none yet: full sync)`
    : `state in ${stateFile}: syncing what is new`;
}
