import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach } from "vitest";
import { type AirbyteCommand, airbyteCommand } from "../../src/cli/airbyte-command.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { STREAMS } from "../../src/streams/registry.js";
import type { Timers } from "../../src/util/timers.js";

/** An AirbyteMessage as the tap writes it (loosely typed: the specs look inside). */
// biome-ignore lint/suspicious/noExplicitAny: messages are checked field by field in the specs
export type AirbyteMessage = Record<string, any>;

/** Collects stdout's lines, each of which must be one JSON object (an AirbyteMessage). */
class LineSink extends Writable {
  readonly messages: AirbyteMessage[] = [];
  readonly notJson: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      try {
        this.messages.push(JSON.parse(line) as AirbyteMessage);
      } catch {
        this.notJson.push(line);
      }
    }
    callback();
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The sandbox's credentials as an Airbyte config (the spec's credentials choice). */
export function airbyteConfig(
  sandbox: Sandbox,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const { client_id, client_secret, ...rest } = sandbox.tapSettings() as Record<string, unknown>;
  return {
    credentials: { auth_type: "client_credentials", client_id, client_secret },
    ...rest,
    requests_per_minute: 100_000,
    ...extra,
  };
}

export interface AirbyteRunInput {
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
}

/** Runs `tap-usertesting <command>` in-process, with its files in a temporary folder, as the platform would. */
export async function runAirbyte(
  command: AirbyteCommand,
  input: AirbyteRunInput = {},
  options: { timers?: Timers } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "airbyte-"));
  dirs.push(dir);
  const args: string[] = [];
  for (const [flag, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const path = join(dir, `${flag}.json`);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    args.push(`--${flag}`, path);
  }
  const sink = new LineSink();
  const { logger, lines: logs } = memoryLogger("info");
  let exitCode: number;
  let error: unknown;
  try {
    exitCode = await airbyteCommand(command, args, {
      out: sink,
      logger,
      client: {
        retry: { minTimeoutMs: 1, maxTimeoutMs: 5 },
        tokenRetryMinTimeoutMs: 1,
        ...(options.timers ? { timers: options.timers } : {}),
      },
    });
  } catch (e) {
    error = e;
    exitCode = (e as { exitCode?: number }).exitCode ?? 70;
  }
  const messages = sink.messages;
  return {
    messages,
    notJson: sink.notJson,
    exitCode,
    error,
    logs,
    of: (type: string) => messages.filter((m) => m.type === type),
    records: (stream?: string) =>
      messages.filter((m) => m.type === "RECORD" && (stream === undefined || m.record.stream === stream)),
    traces: (type: string) => messages.filter((m) => m.type === "TRACE" && m.trace.type === type),
    /** The latest STATE of each stream, as the platform would pass them back. */
    latestStates: () => {
      const latest = new Map<string, AirbyteMessage>();
      for (const m of messages)
        if (m.type === "STATE") latest.set(m.state.stream.stream_descriptor.name, m.state);
      return [...latest.values()];
    },
  };
}

/** A configured catalog of `streams` (default: every discovered stream but those off by default: clips and media), each in `mode` when it supports it. */
export function configuredCatalog(
  catalog: { streams: AirbyteMessage[] },
  options: { streams?: string[]; mode?: "incremental" | "full_refresh" } = {},
) {
  const offByDefault = new Set(STREAMS.filter((s) => s.selectedByDefault === false).map((s) => s.name));
  const wanted = options.streams ?? catalog.streams.map((s) => s.name).filter((n) => !offByDefault.has(n));
  return {
    streams: catalog.streams
      .filter((s) => wanted.includes(s.name))
      .map((stream) => {
        const mode =
          options.mode !== "full_refresh" && stream.supported_sync_modes.includes("incremental")
            ? "incremental"
            : "full_refresh";
        return {
          stream,
          sync_mode: mode,
          ...(mode === "incremental" ? { cursor_field: stream.default_cursor_field } : {}),
          destination_sync_mode: "append",
        };
      }),
  };
}
