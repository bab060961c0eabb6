import { Writable } from "node:stream";
import { resolveConfig } from "../../src/config/config.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { SingerMessage } from "../../src/protocol/singer.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { TapState } from "../../src/state/tap-state.js";
import { defaultSelection, type Selection } from "../../src/tap/catalog.js";
import { runTap } from "../../src/tap/run-tap.js";
import type { Timers } from "../../src/util/timers.js";

/** Collects Singer messages; `failAfter` makes the pipe break after that many, like a killed run. */
export class MessageSink extends Writable {
  readonly messages: SingerMessage[] = [];

  constructor(private readonly failAfter = Number.POSITIVE_INFINITY) {
    super();
    // The tap sees failures through its write callbacks.
    this.on("error", () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      if (this.messages.length >= this.failAfter) return callback(new Error("EPIPE: the run was killed"));
      this.messages.push(JSON.parse(line) as SingerMessage);
    }
    callback();
  }

  records(stream: string): Array<Record<string, unknown>> {
    return this.messages.flatMap((m) => (m.type === "RECORD" && m.stream === stream ? [m.record] : []));
  }

  lastState(): unknown {
    return this.messages.filter((m) => m.type === "STATE").at(-1)?.type === "STATE"
      ? (this.messages.filter((m) => m.type === "STATE").at(-1) as { value: unknown }).value
      : undefined;
  }
}

export interface TapRunInput {
  state?: unknown;
  selection?: Selection;
  streams?: string[];
  config?: Record<string, unknown>;
  failAfter?: number;
  stateEvery?: number;
  /** The run's clock (its time budget, the activity marks) and the client's waits. */
  timers?: Timers;
}

/** Runs the tap in-process against a sandbox, as `tap-usertesting --config … [--state …]` would. */
export async function runTapOn(sandbox: Sandbox, input: TapRunInput = {}) {
  const { logger, lines } = memoryLogger("info");
  const sink = new MessageSink(input.failAfter);
  const config = resolveConfig({
    ...sandbox.tapSettings(),
    requests_per_minute: 100_000,
    ...input.config,
  });
  const selection =
    input.selection ??
    (input.streams ? { streams: new Set(input.streams), excluded: new Map() } : defaultSelection());
  const state = input.state === undefined ? TapState.empty() : TapState.parse(input.state, "test state");
  const before = new Map(sandbox.counts);
  let error: unknown;
  let result: Awaited<ReturnType<typeof runTap>> | undefined;
  try {
    result = await runTap({
      config,
      selection,
      state,
      logger,
      out: sink,
      progress: false,
      stateEvery: input.stateEvery,
      client: {
        retry: { minTimeoutMs: 1, maxTimeoutMs: 5 },
        ...(input.timers ? { timers: input.timers } : {}),
      },
    });
  } catch (e) {
    error = e;
  }
  /** API calls of this run, by sandbox route. */
  const calls = (route: string) => (sandbox.counts.get(route) ?? 0) - (before.get(route) ?? 0);
  return { sink, logs: lines, result, error, calls };
}
