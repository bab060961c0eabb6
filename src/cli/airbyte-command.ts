import { readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import {
  airbyteCatalog,
  type ConfiguredStreams,
  cursorOf,
  parseConfiguredCatalog,
} from "../airbyte/airbyte-catalog.js";
import { connectorSpecification, tapSettingsOf } from "../airbyte/airbyte-spec.js";
import { restoreState, SESSION_STREAMS } from "../airbyte/airbyte-state.js";
import { AirbyteWriter } from "../airbyte/airbyte-writer.js";
import { type ClientOverrides, createApiClient } from "../api/create-client.js";
import { resolveConfig, type TapConfig } from "../config/config.js";
import { inMemorySources } from "../config/settings.js";
import { ApiError, AuthError, ConfigError } from "../errors.js";
import { Logger } from "../log/logger.js";
import { failureOf } from "../protocol/failure.js";
import { JsonLines } from "../protocol/json-lines.js";
import { TapState } from "../state/tap-state.js";
import { STREAMS } from "../streams/registry.js";
import { runTap } from "../tap/run-tap.js";
import { EXIT } from "./run-cli.js";

export const AIRBYTE_COMMANDS = ["spec", "check", "discover", "read"] as const;
export type AirbyteCommand = (typeof AIRBYTE_COMMANDS)[number];

export interface AirbyteIo {
  out?: Writable;
  logger?: Logger;
  client?: ClientOverrides;
  env?: NodeJS.ProcessEnv;
}

const USAGE =
  "Usage: tap-usertesting spec | check --config FILE | discover --config FILE | read --config FILE --catalog FILE [--state FILE]";

/** Errors already said as a TRACE ERROR: not said twice. */
const traced = new WeakSet<object>();

/** A JSON file, or a ConfigError naming it and what is wrong. */
function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(
      `The ${what} file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
  try {
    return text.trim() === "" ? null : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The ${what} file ${path} is not JSON: ${(error as Error).message}.`);
  }
}

/** The Airbyte config file as the tap's settings, validated against its schema. */
function readConfig(path: string | undefined): TapConfig {
  if (!path) throw new ConfigError(`--config FILE is required. ${USAGE}`);
  const value = readJson(path, "config");
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ConfigError(`The config file ${path} must hold a JSON object (the settings spec describes).`);
  return resolveConfig(
    tapSettingsOf(value as Record<string, unknown>),
    inMemorySources(`the config file ${path}`),
  );
}

/**
 * The Airbyte source's commands (docs: "Airbyte Protocol", airbyte-protocol's YAML): stdout
 * carries only AirbyteMessages, one JSON object a line; logs go to stderr. A failure is a TRACE
 * ERROR on stdout (with its failure type; secrets redacted) as well as the usual paragraph on
 * stderr, and the exit code is the tap's.
 */
export async function airbyteCommand(
  command: AirbyteCommand,
  args: string[],
  io: AirbyteIo = {},
): Promise<number> {
  const out = io.out ?? process.stdout;
  const lines = new JsonLines(out);
  try {
    return await run(command, args, lines, out, io);
  } catch (error) {
    if (!(error instanceof Object && traced.has(error))) {
      await lines
        .write({ type: "TRACE", trace: { type: "ERROR", emitted_at: Date.now(), error: toTrace(error) } })
        .catch(() => undefined);
    }
    throw error;
  }
}

function toTrace(error: unknown) {
  const failure = failureOf(error);
  return {
    message: failure.message,
    ...(failure.internalMessage ? { internal_message: failure.internalMessage } : {}),
    failure_type: failure.failureType,
  };
}

async function run(
  command: AirbyteCommand,
  args: string[],
  lines: JsonLines,
  out: Writable,
  io: AirbyteIo,
): Promise<number> {
  let values: { config?: string; catalog?: string; state?: string };
  try {
    values = parseArgs({
      args,
      options: { config: { type: "string" }, catalog: { type: "string" }, state: { type: "string" } },
      strict: true,
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. ${USAGE}`);
  }
  if (command === "spec") {
    await lines.write({ type: "SPEC", spec: connectorSpecification() });
    return EXIT.ok;
  }
  if (command === "check") return check(values.config, lines, io);
  if (command === "discover") {
    readConfig(values.config);
    await lines.write({ type: "CATALOG", catalog: airbyteCatalog() });
    return EXIT.ok;
  }
  return read(values, out, io);
}

/**
 * check: one CONNECTION_STATUS. A config or credentials problem is FAILED with its message
 * (exit 0: the platform shows it to the user); anything else is a TRACE ERROR and a failure.
 */
async function check(path: string | undefined, lines: JsonLines, io: AirbyteIo): Promise<number> {
  const failed = (message: string) =>
    lines.write({ type: "CONNECTION_STATUS", connectionStatus: { status: "FAILED", message } });
  let config: TapConfig;
  try {
    config = readConfig(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    await failed(failureOf(error).message);
    return EXIT.ok;
  }
  const logger = io.logger ?? new Logger();
  const { client } = createApiClient(config, { logger, ...io.client });
  try {
    // One call, outside the rate limit: the token and the workspace listing.
    const workspaces = await client.workspaces();
    await lines.write({
      type: "CONNECTION_STATUS",
      connectionStatus: {
        status: "SUCCEEDED",
        message: `Connected: ${workspaces.length} workspace(s) visible to these credentials.`,
      },
    });
    return EXIT.ok;
  } catch (error) {
    const refused = error instanceof ApiError && (error.status === 401 || error.status === 403);
    if (!(error instanceof AuthError || refused)) throw error;
    await failed(failureOf(error).message);
    return EXIT.ok;
  }
}

async function read(
  values: { config?: string; catalog?: string; state?: string },
  out: Writable,
  io: AirbyteIo,
): Promise<number> {
  const config = readConfig(values.config);
  if (!values.catalog) throw new ConfigError(`read needs --catalog FILE. ${USAGE}`);
  const configured: ConfiguredStreams = parseConfiguredCatalog(
    readJson(values.catalog, "catalog"),
    `the catalog file ${values.catalog}`,
  );
  const restored = restoreState(
    values.state ? readJson(values.state, "state") : null,
    configured.modes,
    values.state ? `the state file ${values.state}` : "the state",
  );
  const state = TapState.parse(
    restored.singer,
    values.state ? `the state file ${values.state}` : "the state",
  );
  // A start_after on every configured session stream is a floor for the walk itself: no calls below it.
  const sessionFloors = SESSION_STREAMS.filter((s) => configured.modes.has(s)).map((s) =>
    restored.startAfter.get(s),
  );
  const floor =
    sessionFloors.length > 0 && sessionFloors.every((f) => f !== undefined)
      ? (sessionFloors as string[]).reduce((a, b) => (Date.parse(a) < Date.parse(b) ? a : b))
      : null;
  const startDate =
    floor && (!config.startDate || Date.parse(floor) > Date.parse(config.startDate))
      ? floor
      : config.startDate;
  const streams = STREAMS.map((s) => s.name).filter((s) => configured.selection.streams.has(s));
  const cursors = new Map(
    STREAMS.filter((s) => configured.modes.get(s.name) === "incremental").map((s) => [
      s.name,
      cursorOf(s) as string,
    ]),
  );
  const writer = new AirbyteWriter(out, { streams, cursors, startAfter: restored.startAfter });
  writer.startHeartbeat();
  const logger = io.logger ?? new Logger();
  // Streams with a cursor that start again; full-refresh-only streams always do, unsaid.
  const restarted = restored.restarted.filter((s) => STREAMS.some((d) => d.name === s && cursorOf(d)));
  if (restarted.length > 0)
    logger.info(
      `Syncing from start_date (no state of their own, a reset, or full_refresh): ${restarted.join(", ")}.`,
    );
  try {
    const { exitCode } = await runTap({
      // The configured catalog alone says which streams are synced: media_streams adds none here.
      config: { ...config, startDate, media: { ...config.media, streams: [] } },
      selection: configured.selection,
      state,
      logger,
      writer,
      ...(io.client ? { client: io.client } : {}),
    });
    return exitCode;
  } catch (error) {
    // runTap has said it as a TRACE ERROR already.
    if (error instanceof Object) traced.add(error);
    throw error;
  } finally {
    writer.close();
  }
}
