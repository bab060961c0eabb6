#!/usr/bin/env node
/**
 * tap-usertesting: the Singer tap. stdout carries Singer messages only; logs, progress and the
 * summary go to stderr. Exit codes: 0 success, 1 a failure during the run, 2 bad input.
 */
import { parseArgs } from "node:util";
import { loadConfig, packageVersion } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { Logger } from "../log/logger.js";
import { TapState } from "../state/tap-state.js";
import { readStateFile } from "../sync/state-file.js";
import { aboutText } from "../tap/about.js";
import { defaultSelection, discoverCatalog, loadSelection } from "../tap/catalog.js";
import { runTap } from "../tap/run-tap.js";
import { AIRBYTE_COMMANDS, airbyteCommand } from "./airbyte-command.js";
import { planCommand } from "./plan-command.js";
import { queryCommand } from "./query-command.js";
import { withRunBudget } from "./run-budget-flag.js";
import { runCli } from "./run-cli.js";
import { syncCommand } from "./sync-command.js";

const HELP = `tap-usertesting ${packageVersion()}: a Singer tap for the UserTesting Results API

Usage:
  tap-usertesting --config FILE [--config FILE ...] [--catalog FILE] [--state FILE] [--max-run-minutes N]
  tap-usertesting sync --config FILE [--target duckdb] [--state-file FILE] ...   (see sync --help)
  tap-usertesting plan --config FILE [--state FILE] [--catalog FILE] [--format text|json]
                                                    (the calls and time the next sync takes; see plan --help)
  tap-usertesting query [--database FILE] [--schema NAME] [--format text|csv|json] "SQL"
                                                    (SQL on the synced database; see query --help)
  tap-usertesting --discover [--config FILE]
  tap-usertesting spec | check --config FILE | discover --config FILE
  tap-usertesting read --config FILE --catalog FILE [--state FILE]
                                                    (the Airbyte source: Airbyte messages on stdout)
  tap-usertesting --about [--format json|markdown]
  tap-usertesting --version | --help

Options:
  --config FILE      settings (JSON); repeat to layer files; TAP_USERTESTING_<KEY> variables override
  --catalog FILE     Singer catalog selecting streams and properties (also --properties)
  --state FILE       state from a previous run (the last STATE message it wrote)
  --max-run-minutes N  time budget: past it no new test starts; the next run starts with those left
  --discover         print the catalog of every stream (needs no credentials)
  --about            print what this tap is and its settings (--format json or markdown)

Singer messages go to stdout; logs, progress and the summary to stderr.
Streams: workspaces, tests, sessions, demographics, task_groups, tasks, transcripts, qx_scores,
qx_task_group_scores; clips and highlight_reels only when a catalog selects them.
`;

const OPTIONS = {
  options: {
    config: { type: "string", multiple: true },
    catalog: { type: "string" },
    properties: { type: "string" },
    state: { type: "string" },
    discover: { type: "boolean" },
    about: { type: "boolean" },
    format: { type: "string" },
    "max-run-minutes": { type: "string" },
    version: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
  strict: true,
} as const;

function readState(path: string): TapState {
  const parsed = readStateFile(path, { missing: "error", hint: "run without --state for a full sync" });
  return parsed === undefined ? TapState.empty() : TapState.parse(parsed, `state file ${path}`);
}

function writeOut(text: string): number {
  process.stdout.write(text);
  return 0;
}

function parseOptions() {
  try {
    return parseArgs(OPTIONS).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run tap-usertesting --help for the options.`);
  }
}

await runCli(
  "tap-usertesting",
  async () => {
    if (process.argv[2] === "sync") return syncCommand(process.argv.slice(3));
    const airbyte = AIRBYTE_COMMANDS.find((c) => c === process.argv[2]);
    if (airbyte) return airbyteCommand(airbyte, process.argv.slice(3));
    if (process.argv[2] === "query") return queryCommand(process.argv.slice(3));
    if (process.argv[2] === "plan") return planCommand(process.argv.slice(3));
    const values = parseOptions();
    if (values.help) return writeOut(HELP);
    if (values.version) return writeOut(`tap-usertesting ${packageVersion()}\n`);
    if (values.about) {
      const format = values.format ?? "json";
      if (format !== "json" && format !== "markdown")
        throw new ConfigError(`--format must be json or markdown, not '${format}'.`);
      return writeOut(aboutText(format));
    }
    if (values.discover) return writeOut(`${JSON.stringify(discoverCatalog(), null, 2)}\n`);
    if (!values.config?.length)
      throw new ConfigError("--config FILE is required to sync. Run tap-usertesting --help for the options.");

    const config = withRunBudget(loadConfig(values.config), values["max-run-minutes"], "tap-usertesting");
    const catalogPath = values.catalog ?? values.properties;
    const selection = catalogPath ? loadSelection(catalogPath) : defaultSelection();
    const state = values.state ? readState(values.state) : TapState.empty();
    const { exitCode } = await runTap({ config, selection, state, logger: new Logger() });
    return exitCode;
  },
  {
    interrupted:
      "Nothing committed is lost: with sync --state-file the file holds the state of every committed record; a separate target keeps the last STATE it confirmed. Run the same command again to resume.",
  },
);
