/**
 * target-snowflake through the local Snowflake-protocol server (src/emulators/snowflake: a
 * stand-in with DuckDB inside, fake-backed), on a synthetic Singer stream with nested JSON: the
 * SQL statements and HTTP round trips of each flush, read from the server's own logs, at several
 * input sizes side by side, to show they depend on the streams of a flush, never on its rows;
 * and the rows per second of the wiring (driver, PUT, COPY, MERGE into DuckDB), not Snowflake's.
 *
 *   npm run bench:snowflake [-- --rows 10000,100000,1000000 --flushes 4 --two-streams 10000,100000]
 *
 * The server runs in this process; each load runs in a child process of its own through the
 * real loader path (runTarget with targetByName("snowflake") and loadTargetSettings), and tells
 * this process over IPC where each flush begins and ends, so each flush's share of the logs is
 * exact.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type SnowflakeLocal, startSnowflakeLocal } from "../src/emulators/snowflake/index.js";
import { constant, label, sum, writeInput } from "./synthetic-stream.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "10000,100000,1000000" },
    flushes: { type: "string", default: "4" },
    "two-streams": { type: "string", default: "10000,100000" },
    child: { type: "boolean", default: false },
    file: { type: "string" },
    url: { type: "string" },
    batch: { type: "string" },
  },
});

/** Marks the child sends: a flush's first stage(), and the end of each of its cleanups. */
type Mark = { mark: "flush-start" | "cleanup-end" };
interface ChildResult {
  rows: number;
  flushes: number;
  seconds: number;
  loaderStatements: number;
}

interface Flush {
  /** Kinds of the statements the server ran, in order. */
  statements: string[];
  /** Routes of the HTTP requests the server answered, in order. */
  routes: string[];
  /** Server-side time of the flush's MERGE requests. */
  mergeSeconds: number;
}

interface Run {
  streams: number;
  records: number;
  batch: number;
  inputMb: number;
  result: ChildResult;
  flushes: Flush[];
}

/** The kind of a statement: its leading keywords, e.g. CREATE OR REPLACE TEMPORARY TABLE. */
function kindOf(sql: string): string {
  const words = sql.trim().split(/\s+/);
  const first = (words[0] ?? "").toUpperCase();
  if (first !== "CREATE" && first !== "DROP") return first;
  const end = words.findIndex((w, i) => i > 0 && /^(TABLE|STAGE|SCHEMA)$/i.test(w));
  return words
    .slice(0, end + 1)
    .join(" ")
    .toUpperCase();
}

/** Loads `file` in a child process; each flush's slice of the server's logs comes from its marks. */
function load(
  server: SnowflakeLocal,
  durations: readonly number[],
  file: string,
  batch: number,
): Promise<{ result: ChildResult; flushes: Flush[] }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = fork(
      "bench/snowflake-loader.ts",
      ["--child", "--file", file, "--url", server.url, "--batch", String(batch)],
      { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    const flushes: Flush[] = [];
    let start: { statements: number; requests: number } | undefined;
    let end: { statements: number; requests: number } | undefined;
    const close = () => {
      if (!start || !end) return;
      const from = start.requests;
      const statements = server.statements
        .slice(start.statements, end.statements)
        .map((s) => kindOf(s.sqlText));
      const routes = server.requests.slice(start.requests, end.requests).map((r) => r.route);
      // Each statement is one query request, in the same order (no retries in this bench).
      const queryTimes = routes
        .map((route, i) => ({ route, ms: durations[from + i] ?? 0 }))
        .filter((r) => r.route === "query");
      const mergeSeconds =
        queryTimes.length === statements.length
          ? queryTimes.reduce((sum, q, i) => sum + (statements[i] === "MERGE" ? q.ms : 0), 0) / 1000
          : Number.NaN;
      flushes.push({ statements, routes, mergeSeconds });
      start = undefined;
      end = undefined;
    };
    let result: ChildResult | undefined;
    child.on("message", (message: Mark | { result: ChildResult }) => {
      if ("result" in message) {
        result = message.result;
        return;
      }
      const now = { statements: server.statements.length, requests: server.requests.length };
      if (message.mark === "flush-start") {
        close();
        start = now;
      } else end = now;
      child.send("ack");
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      close();
      if (code !== 0 || !result) reject(new Error(`the load of ${file} exited with ${code}`));
      else resolve({ result, flushes });
    });
  });
}

/** Round trips of one flush by route, e.g. "8 query". */
function describeRoutes(routes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => `${n} ${r}`).join(" + ");
}

async function main(): Promise<void> {
  const sizes = String(values.rows).split(",").map(Number);
  const twoStreams = String(values["two-streams"]).split(",").filter(Boolean).map(Number);
  const flushesWanted = Number(values.flushes);
  const dir = mkdtempSync(join(tmpdir(), "bench-snowflake-"));
  /** Server-side milliseconds of each request, aligned with server.requests (logged right after the push). */
  const durations: number[] = [];
  const server = await startSnowflakeLocal({
    log: (line) => durations.push(Number(/([\d.]+)ms$/.exec(line)?.[1] ?? Number.NaN)),
  });
  const began = performance.now();
  const runs: Run[] = [];
  try {
    console.log(
      `target-snowflake through snowflake-local: the local Snowflake-protocol STAND-IN with DuckDB inside (fake-backed), not Snowflake. The real snowflake-sdk and loader run; DuckDB answers behind the HTTP protocol, so rows/s is this wiring's on this machine, not Snowflake's. (Node ${process.version})`,
    );
    const plan = [
      ...sizes.map((records) => ({ records, streams: ["events"] })),
      ...twoStreams.map((records) => ({ records, streams: ["events", "answers"] })),
    ];
    for (const { records, streams } of plan) {
      const batch = Math.ceil(records / flushesWanted);
      const file = await writeInput(dir, records, streams);
      const { result, flushes } = await load(server, durations, file, batch);
      if (result.rows !== records) throw new Error(`loaded ${result.rows} of ${records} records`);
      if (flushes.length !== result.flushes)
        throw new Error(`saw ${flushes.length} flushes in the logs, the loader counted ${result.flushes}`);
      runs.push({
        streams: streams.length,
        records,
        batch,
        inputMb: statSync(file).size / 1e6,
        result,
        flushes,
      });
      rmSync(file, { force: true });
    }

    console.log(
      "\nstreams    records   input MB   batch_size_rows   flushes   statements/flush   round trips/flush     rows/s   elapsed s   of which MERGE s",
    );
    for (const r of runs) {
      const perFlush = (f: (x: Flush) => number) => {
        const each = r.flushes.map(f);
        return constant(each) === null ? each.join("/") : String(each[0]);
      };
      console.log(
        `${String(r.streams).padStart(7)} ${String(r.records).padStart(10)} ${r.inputMb.toFixed(1).padStart(10)} ${String(r.batch).padStart(17)} ${String(r.result.flushes).padStart(9)} ${perFlush((f) => f.statements.length).padStart(18)} ${perFlush((f) => f.routes.length).padStart(19)} ${(r.records / r.result.seconds).toFixed(0).padStart(10)} ${r.result.seconds.toFixed(2).padStart(11)} ${sum(
          r.flushes.map((f) => f.mergeSeconds),
        )
          .toFixed(2)
          .padStart(18)}`,
      );
    }

    for (const streams of [1, 2]) {
      const group = runs.filter((r) => r.streams === streams);
      const first = group[0]?.flushes[0];
      if (!first) continue;
      const kinds = group.flatMap((r) => r.flushes.map((x) => x.statements.join(",")));
      console.log(`\n${streams} stream${streams > 1 ? "s" : ""} a flush:`);
      console.log(`  statements of one flush: ${first.statements.join(", ")}`);
      console.log(`  round trips of one flush: ${describeRoutes(first.routes)}`);
      for (const [what, f] of [
        ["statements per flush", (x: Flush) => x.statements.length],
        ["round trips per flush", (x: Flush) => x.routes.length],
      ] as const) {
        const each = group.map((r) => `${constant(r.flushes.map(f)) ?? "varies"} at ${label(r.records)}`);
        const same =
          constant(group.flatMap((r) => r.flushes.map(f))) !== null &&
          (what !== "statements per flush" || kinds.every((k) => k === kinds[0]));
        console.log(
          `  ${what}: ${each.join(", ")} — ${same ? "constant (every flush of every size)" : "NOT constant"}`,
        );
      }
    }
    const one = runs.find((r) => r.streams === 1)?.flushes[0];
    const two = runs.find((r) => r.streams === 2)?.flushes[0];
    if (one && two)
      console.log(
        `\nA second stream adds ${two.statements.length - one.statements.length} statements to a flush (${one.statements.length} → ${two.statements.length}): PUT, CREATE TEMPORARY TABLE, COPY, MERGE, DROP and REMOVE are per stream, BEGIN and COMMIT once a flush. The count grows with the streams of a flush, not its rows.`,
      );
    console.log(
      "\nRound trips: the HTTP requests the server logged from a flush's first PUT to its last REMOVE, by route. Each statement is one POST /queries/v1/query-request, answered in that request (no result polling). The PUT's file transfer is the driver's LOCAL_FS copy into the stand-in's stage folder (the one transfer type the driver can do against plain HTTP): a local file copy, not an HTTP request, so it adds none here; against Snowflake it is an upload to the stage's cloud storage, one file per stream and flush.",
    );
    console.log(
      `Batches are records/${flushesWanted} rows, so rows per flush grow ${label(Math.ceil((sizes[0] ?? 0) / flushesWanted))} → ${label(Math.ceil((sizes.at(-1) ?? 0) / flushesWanted))} with the input while the statements of a flush stay the same. Elapsed: each load in its own process, from runTarget's start (login, schema, table) to its close.`,
    );

    const top = runs.filter((r) => r.streams === 1).at(-1);
    if (top) {
      const merge = sum(top.flushes.map((f) => f.mergeSeconds));
      console.log(
        `\nWhere the time goes: the MERGE of each flush at ${label(top.records)} took ${top.flushes.map((f) => f.mergeSeconds.toFixed(1)).join(", ")} s (server side), ${((100 * merge) / top.result.seconds).toFixed(0)}% of the load: the stand-in's DuckDB extracting every column from the staged JSON documents and merging them. Rows/s here measures that, not Snowflake.`,
      );
      if (top.records < 1_000_000) {
        // With the number of flushes fixed, batch and table both grow with the input.
        const scale = 1_000_000 / top.records;
        const projected = merge * scale ** 2 + (top.result.seconds - merge) * scale;
        const prev = runs.filter((r) => r.streams === 1).at(-2);
        const prevMerge = prev ? sum(prev.flushes.map((f) => f.mergeSeconds)) : 0;
        const growth = prev
          ? ` From ${label(prev.records)} to ${label(top.records)} the MERGE time went ${prevMerge.toFixed(1)} → ${merge.toFixed(1)} s (×${(merge / prevMerge).toFixed(1)} for ×${(top.records / prev.records).toFixed(1)} records).`
          : "";
        console.log(
          `Top size ${label(top.records)}, not 1M: 1M through the stand-in would take about ${(projected / 60).toFixed(0)} min at ${flushesWanted} flushes (MERGE time × ${(scale ** 2).toFixed(0)} as records², the rest × ${scale.toFixed(1)}), past this bench's few-minute budget.${growth}`,
        );
      }
    }
    console.log(
      `\nWhole bench: ${((performance.now() - began) / 1000).toFixed(0)} s, input generation included.`,
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child) {
  const { runTarget } = await import("../src/loaders/run-target.js");
  const { readLines } = await import("../src/loaders/core/line-splitter.js");
  const { targetByName, loadTargetSettings } = await import("../src/loaders/targets.js");
  const { Logger } = await import("../src/log/logger.js");
  const send = (message: unknown) =>
    new Promise<void>((resolve, reject) =>
      process.send?.(message, (e: Error | null) => (e ? reject(e) : resolve())),
    );
  /** Sends a mark and waits for the parent's ack, so it reads the logs before the next statement. */
  const mark = async (m: Mark["mark"]) => {
    const acked = new Promise<void>((resolve) => process.once("message", () => resolve()));
    await send({ mark: m });
    await acked;
  };
  const logger = new Logger(() => {}, "error");
  const target = targetByName("snowflake");
  const setup = target.create(
    loadTargetSettings(target, [], {
      TARGET_SNOWFLAKE_ACCOUNT: "LOCAL",
      TARGET_SNOWFLAKE_USER: "bench",
      TARGET_SNOWFLAKE_PASSWORD: "bench-password",
      TARGET_SNOWFLAKE_DATABASE: "BENCH",
      TARGET_SNOWFLAKE_ACCESS_URL: values.url as string,
      TARGET_SNOWFLAKE_BATCH_SIZE_ROWS: values.batch as string,
    }),
    logger,
  );
  const loader = setup.loader;
  let inFlush = false;
  const stage = loader.stage.bind(loader);
  const cleanup = loader.cleanup.bind(loader);
  loader.stage = async (batch) => {
    if (!inFlush) await mark("flush-start");
    inFlush = true;
    return stage(batch);
  };
  loader.cleanup = async (staged) => {
    await cleanup(staged);
    inFlush = false;
    await mark("cleanup-end");
  };
  // Timed from here: modules are loaded, the input is on disk.
  const started = process.hrtime.bigint();
  const core = await runTarget({
    ...setup,
    lines: readLines(createReadStream(values.file as string)),
    emitState: () => {},
    logger,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: ChildResult = {
    rows: [...core.loaded.values()].reduce((a, b) => a + b, 0),
    flushes: core.flushes,
    seconds,
    loaderStatements: (loader as unknown as { statements: number }).statements,
  };
  await send({ result });
  process.disconnect();
} else {
  await main();
}
