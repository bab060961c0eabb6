#!/usr/bin/env node
/**
 * target-<name>: every loader's Singer target, one entry point. Reads Singer messages on stdin,
 * upserts them into the warehouse, and writes each STATE value to stdout once the records
 * before it are committed. Which loader: `--target NAME`, else the name it was invoked as
 * (package.json maps each `target-<name>` bin here).
 */
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { packageVersion } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { readLines } from "../loaders/core/line-splitter.js";
import { runTarget } from "../loaders/run-target.js";
import { targetAboutText } from "../loaders/target-about.js";
import { loadTargetSettings, TARGETS, type TargetFactory, targetByName } from "../loaders/targets.js";
import { Logger } from "../log/logger.js";
import { runCli } from "./run-cli.js";

const help = (t: TargetFactory, command: string) => `${command} ${packageVersion()}: ${t.description}

Usage: tap-… | ${command} [--config FILE ...] > state.json
       ${command} --about [--format json|markdown] | --version | --help

Settings: a JSON file (--config, repeatable: later files override earlier ones) and
${t.settings.envPrefix}<KEY> variables, which override the files; --about lists them.
Each STATE value is written to stdout, one a line, once the records before it are committed.
`;

/** The loader asked for: --target NAME, else the command's own name (target-<name>). */
function targetName(explicit: string | undefined): string {
  if (explicit) return explicit;
  const invoked = basename(process.argv[1] ?? "").replace(/\.[cm]?[jt]s$/, "");
  const match = /^target-([a-z0-9_]+)$/.exec(invoked);
  if (match) return match[1] as string;
  throw new ConfigError(
    `Say which loader to run: --target ${Object.keys(TARGETS).join("|")} (or run it as target-<name>).`,
  );
}

// The name messages go under is known before the options are parsed (they may be the error).
const flag = process.argv.findIndex((a) => a === "--target" || a.startsWith("--target="));
const named = flag < 0 ? undefined : (process.argv[flag]?.split("=")[1] ?? process.argv[flag + 1]);
const invoked = basename(process.argv[1] ?? "").replace(/\.[cm]?[jt]s$/, "");
let command = named ? `target-${named}` : invoked.startsWith("target-") ? invoked : "target";
await runCli(
  command,
  async () => {
    let values: {
      config?: string[];
      target?: string;
      about?: boolean;
      format?: string;
      help?: boolean;
      version?: boolean;
    };
    try {
      values = parseArgs({
        options: {
          config: { type: "string", multiple: true },
          target: { type: "string" },
          about: { type: "boolean" },
          format: { type: "string" },
          help: { type: "boolean", short: "h" },
          version: { type: "boolean" },
        },
      }).values;
    } catch (error) {
      throw new ConfigError(`${(error as Error).message}. Run with --help for the options.`);
    }
    const target = targetByName(targetName(values.target));
    command = `target-${target.name}`;
    if (values.help) {
      process.stdout.write(help(target, command));
      return 0;
    }
    if (values.version) {
      process.stdout.write(`${command} ${packageVersion()}\n`);
      return 0;
    }
    if (values.about) {
      const format = values.format ?? "json";
      if (format !== "json" && format !== "markdown")
        throw new ConfigError(`--format must be json or markdown, not '${format}'.`);
      process.stdout.write(targetAboutText(target, command, format));
      return 0;
    }
    const logger = new Logger();
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
