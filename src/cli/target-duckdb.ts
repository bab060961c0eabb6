#!/usr/bin/env node
/**
 * target-duckdb: a Singer target. Reads Singer messages on stdin, upserts them into DuckDB,
 * and writes each STATE value to stdout once the records before it are committed.
 */
import { parseArgs } from "node:util";
import { packageVersion } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { readLines } from "../loaders/core/line-splitter.js";
import { runTarget } from "../loaders/run-target.js";
import { loadTargetSettings, targetByName } from "../loaders/targets.js";
import { Logger } from "../log/logger.js";
import { runCli } from "./run-cli.js";

const HELP = `target-duckdb ${packageVersion()}: load Singer messages into DuckDB

Usage: tap-… | target-duckdb [--config FILE ...] > state.json

Settings (JSON file, or TARGET_DUCKDB_<KEY> variables): database (default usertesting.duckdb),
schema (default usertesting), batch_size_rows, batch_max_bytes, batch_max_age_seconds.
Each STATE value is written to stdout, one a line, once the records before it are committed.
`;

await runCli(
  "target-duckdb",
  async () => {
    let values: { config?: string[]; help?: boolean; version?: boolean };
    try {
      values = parseArgs({
        options: {
          config: { type: "string", multiple: true },
          help: { type: "boolean", short: "h" },
          version: { type: "boolean" },
        },
      }).values;
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Run target-duckdb --help for the options.`);
    }
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    if (values.version) {
      process.stdout.write(`target-duckdb ${packageVersion()}\n`);
      return 0;
    }
    const logger = new Logger();
    const target = targetByName("duckdb");
    const setup = target.create(loadTargetSettings(target, values.config ?? []), logger);
    logger.info(`Loading into ${setup.description}`);
    await runTarget({
      ...setup,
      lines: readLines(process.stdin),
      emitState: (state) => {
        process.stdout.write(`${JSON.stringify(state)}\n`);
      },
      logger,
    });
    return 0;
  },
  {
    interrupted:
      "The batch being built was not committed; every STATE written to stdout covers only committed records, so the last one is the state to resume from.",
  },
);
