/**
 * target-bigquery through the local BigQuery-protocol server (src/emulators/bigquery: a stand-in
 * with DuckDB inside, not BigQuery), on the synthetic Singer stream the other loader benches load:
 * the jobs and HTTP requests of each flush, read from the server's own records, at several input
 * sizes side by side, to show they depend on the streams of a flush, never on its rows, and that
 * none is insertAll; and the rows per second of the wiring (client, multipart upload, load job,
 * MERGE script into DuckDB), not BigQuery's.
 *
 *   npm run bench:bigquery [-- --rows 10000,100000,1000000 --flushes 4 --two-streams 10000,100000]
 *
 * The server runs in this process; each load runs in a child process of its own through the
 * real loader path (runTarget with targetByName("bigquery") and loadTargetSettings), and tells
 * this process over IPC where each flush begins and ends, so each flush's share of the server's
 * request and job records is exact. Each load starts from an empty dataset.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  type BigQueryLocal,
  type RecordedRequest,
  startBigQueryLocal,
} from "../src/emulators/bigquery/index.js";
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

/** The load under way, so a failure or Ctrl-C can stop it before the server goes. */
let running: ChildProcess | undefined;

const PROJECT = "local-project";
const DATASET = "bench";

/** Marks the child sends: a flush's first stage(), and the end of each of its cleanups. */
type Mark = { mark: "flush-start" | "cleanup-end" };

/** Wall seconds of one flush's loader calls, timed in the child. */
interface Phases {
  /** Every stage(): tables.insert, gzip, the multipart upload, polling the load job to DONE. */
  stage: number;
  /** commit(): the MERGE script as one query job, and its results. */
  commit: number;
  /** Every cleanup(): tables.delete. */
  cleanup: number;
}

interface ChildResult {
  rows: number;
  flushes: number;
  seconds: number;
  /** The loader's own count of the jobs it started (BigQueryLoader.jobs). */
  loaderJobs: number;
  phases: Phases[];
}

interface Flush {
  /** The HTTP requests the server answered, in order. */
  requests: RecordedRequest[];
  loadJobs: number;
  queryJobs: number;
  /** Server-side seconds of the flush's query jobs, from RUNNING to DONE (the MERGE script runs in between). */
  querySeconds: number;
}

interface Run {
  streams: number;
  records: number;
  batch: number;
  inputMb: number;
  result: ChildResult;
  flushes: Flush[];
  /** Requests of the load outside its flushes: dataset, table schemas, table creation. */
  setup: RecordedRequest[];
  /** Jobs the server created during the load. */
  serverJobs: number;
}

/** Loads `file` in a child process; each flush's slice of the server's records comes from its marks. */
function load(
  server: BigQueryLocal,
  file: string,
  batch: number,
): Promise<{ result: ChildResult; flushes: Flush[]; setup: RecordedRequest[]; serverJobs: number }> {
  return new Promise((resolve, reject) => {
    const first = { requests: server.requests.length, jobs: server.jobs.length };
    const child: ChildProcess = fork(
      "bench/bigquery-loader.ts",
      ["--child", "--file", file, "--url", server.url, "--batch", String(batch)],
      { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    running = child;
    const flushes: Flush[] = [];
    /** Index ranges of server.requests that belong to flushes. */
    const inFlush: Array<[number, number]> = [];
    let start: { requests: number; jobs: number } | undefined;
    let end: { requests: number; jobs: number } | undefined;
    const close = () => {
      if (!start || !end) return;
      const jobs = server.jobs.slice(start.jobs, end.jobs);
      const queries = jobs.filter((j) => !("load" in j.configuration));
      flushes.push({
        requests: server.requests.slice(start.requests, end.requests),
        loadJobs: jobs.length - queries.length,
        queryJobs: queries.length,
        querySeconds: sum(
          queries.map((j) => (Number(j.statistics.endTime) - Number(j.statistics.startTime)) / 1000),
        ),
      });
      inFlush.push([start.requests, end.requests]);
      start = undefined;
      end = undefined;
    };
    let result: ChildResult | undefined;
    child.on("message", (message: Mark | { result: ChildResult }) => {
      if ("result" in message) {
        result = message.result;
        return;
      }
      const now = { requests: server.requests.length, jobs: server.jobs.length };
      if (message.mark === "flush-start") {
        close();
        start = now;
      } else end = now;
      child.send("ack");
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      running = undefined;
      // A child that died before its loader's close() leaves its staging folder (tmpdir, named by its pid).
      for (const entry of readdirSync(tmpdir()))
        if (entry.startsWith(`target-bigquery-${child.pid}-`))
          rmSync(join(tmpdir(), entry), { recursive: true, force: true });
      close();
      const setup = server.requests
        .slice(first.requests)
        .filter(
          (_, i) => !inFlush.some(([from, to]) => first.requests + i >= from && first.requests + i < to),
        );
      const serverJobs = server.jobs.length - first.jobs;
      if (code !== 0 || !result)
        reject(new Error(`the load of ${file} exited with ${signal ?? code} (its error is above)`));
      else resolve({ result, flushes, setup, serverJobs });
    });
  });
}

/** A request's name in the tables: its route, or the method and path when the server knows no route. */
const routeOf = (r: RecordedRequest): string => (r.route === "unknown" ? `${r.method} ${r.path}` : r.route);

/** Requests by route, e.g. "2 tables.insert + 2 jobs.upload"; non-2xx answers are counted by status. */
function describeRequests(requests: readonly RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = r.status >= 300 ? `${routeOf(r)} (${r.status})` : routeOf(r);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([r, n]) => `${n} ${r}`).join(" + ");
}

/** One figure per run: the flushes' shared value, or each flush's when they differ (a/b/c). */
function perFlush(flushes: readonly Flush[], f: (x: Flush) => number): string {
  const each = flushes.map(f);
  return constant(each) === null ? each.join("/") : String(each[0]);
}

/** Drops the bench dataset and its tables, so the next load starts from nothing (404 when there is none). */
async function dropDataset(server: BigQueryLocal): Promise<void> {
  const response = await fetch(
    `${server.url}/bigquery/v2/projects/${PROJECT}/datasets/${DATASET}?deleteContents=true`,
    { method: "DELETE", headers: { authorization: "Bearer bench" } },
  );
  if (!response.ok && response.status !== 404)
    throw new Error(`dropping the dataset ${DATASET} answered ${response.status}: ${await response.text()}`);
}

/** Rows in the dataset's tables, by one jobs.query of the stand-in: the loader's count checked against the table. */
async function countRows(server: BigQueryLocal, tables: readonly string[]): Promise<number> {
  const query = tables
    .map((t) => `SELECT count(*) AS n FROM \`${PROJECT}.${DATASET}.${t}\``)
    .join(" UNION ALL ");
  const response = await fetch(`${server.url}/bigquery/v2/projects/${PROJECT}/queries`, {
    method: "POST",
    headers: { authorization: "Bearer bench", "content-type": "application/json" },
    body: JSON.stringify({ query: `SELECT SUM(n) FROM (${query})`, useLegacySql: false }),
  });
  const body = (await response.json()) as { rows?: Array<{ f: Array<{ v: string }> }> };
  if (!response.ok)
    throw new Error(`counting the loaded rows answered ${response.status}: ${JSON.stringify(body)}`);
  return Number(body.rows?.[0]?.f[0]?.v);
}

/** Stops the load under way, if any (SIGTERM to the one child this process forked), and waits for its exit. */
async function stopChild(): Promise<void> {
  const child = running;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  await exited;
}

async function main(): Promise<number> {
  const sizes = String(values.rows).split(",").filter(Boolean).map(Number);
  const twoStreams = String(values["two-streams"]).split(",").filter(Boolean).map(Number);
  const flushesWanted = Number(values.flushes);
  const dir = mkdtempSync(join(tmpdir(), "bench-bigquery-"));
  const server = await startBigQueryLocal({ database: ":memory:" });
  let closed: Promise<void> | undefined;
  /** Stops the server and removes the inputs, once: at the end, on a failure, or on Ctrl-C. */
  const cleanUp = () => {
    closed ??= stopChild()
      .then(() => server.close())
      .finally(() => rmSync(dir, { recursive: true, force: true }));
    return closed;
  };
  // Not closeOnSignals: its once() handlers leave the second SIGINT of a Ctrl-C (the terminal's to the
  // whole process group, then tsx's relay of it) to tsx's preflight, which exits before the clean-up ends.
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)
    process.on(signal, () => {
      if (!closed) process.stderr.write(`bench:bigquery: ${signal}, stopping the load and the server\n`);
      void cleanUp().finally(() => process.exit(code));
    });
  const began = performance.now();
  const runs: Run[] = [];
  const problems: string[] = [];
  try {
    console.log(
      `target-bigquery through bigquery-local: the local BigQuery-protocol STAND-IN with DuckDB inside, not BigQuery. The real @google-cloud/bigquery client and loader run; DuckDB answers behind the REST API, so rows/s is this wiring's on this machine, not BigQuery's. (Node ${process.version})`,
    );
    const plan = [
      ...sizes.map((records) => ({ records, streams: ["events"] })),
      ...twoStreams.map((records) => ({ records, streams: ["events", "answers"] })),
    ];
    for (const { records, streams } of plan) {
      const batch = Math.ceil(records / flushesWanted);
      const file = await writeInput(dir, records, streams);
      await dropDataset(server);
      const { result, flushes, setup, serverJobs } = await load(server, file, batch);
      if (result.rows !== records) throw new Error(`loaded ${result.rows} of ${records} records`);
      if (flushes.length !== result.flushes)
        throw new Error(`saw ${flushes.length} flushes in the logs, the loader counted ${result.flushes}`);
      const inTables = await countRows(server, streams);
      if (inTables !== records)
        throw new Error(`the loader reported ${records} records, the tables hold ${inTables} rows`);
      if (result.loaderJobs !== serverJobs)
        throw new Error(`the loader counted ${result.loaderJobs} jobs, the server created ${serverJobs}`);
      runs.push({
        streams: streams.length,
        records,
        batch,
        inputMb: statSync(file).size / 1e6,
        result,
        flushes,
        setup,
        serverJobs,
      });
      rmSync(file, { force: true });
    }

    console.log(
      "\nstreams    records   input MB   batch_size_rows   flushes   jobs/flush (load+query)   requests/flush     rows/s   elapsed s   stage s   commit s   cleanup s",
    );
    for (const r of runs) {
      const phase = (p: keyof Phases) => sum(r.result.phases.map((x) => x[p])).toFixed(2);
      const jobs = `${perFlush(r.flushes, (f) => f.loadJobs + f.queryJobs)} (${perFlush(r.flushes, (f) => f.loadJobs)}+${perFlush(r.flushes, (f) => f.queryJobs)})`;
      console.log(
        `${String(r.streams).padStart(7)} ${String(r.records).padStart(10)} ${r.inputMb.toFixed(1).padStart(10)} ${String(r.batch).padStart(17)} ${String(r.result.flushes).padStart(9)} ${jobs.padStart(25)} ${perFlush(r.flushes, (f) => f.requests.length).padStart(16)} ${(r.records / r.result.seconds).toFixed(0).padStart(10)} ${r.result.seconds.toFixed(2).padStart(11)} ${phase("stage").padStart(9)} ${phase("commit").padStart(10)} ${phase("cleanup").padStart(11)}`,
      );
    }

    // One column per route any flush used, in the order they first appear.
    const routes = [...new Set(runs.flatMap((r) => r.flushes.flatMap((f) => f.requests.map(routeOf))))];
    const widths = routes.map((route) => Math.max(route.length, 6));
    console.log("\nHTTP requests per flush, by route (a/b/c/d when the flushes of a run differ):");
    console.log(
      `streams    records  ${routes.map((route, i) => route.padStart(widths[i] ?? 0)).join("  ")}  outside flushes`,
    );
    for (const r of runs) {
      const cells = routes.map((route, i) =>
        perFlush(r.flushes, (f) => f.requests.filter((x) => routeOf(x) === route).length).padStart(
          widths[i] ?? 0,
        ),
      );
      console.log(
        `${String(r.streams).padStart(7)} ${String(r.records).padStart(10)}  ${cells.join("  ")}  ${describeRequests(r.setup)}`,
      );
    }

    for (const streams of [1, 2]) {
      const group = runs.filter((r) => r.streams === streams);
      const first = group[0]?.flushes[0];
      if (!first) continue;
      console.log(`\n${streams} stream${streams > 1 ? "s" : ""} a flush:`);
      console.log(`  requests of one flush, in order: ${first.requests.map(routeOf).join(", ")}`);
      console.log(`  by route: ${describeRequests(first.requests)}`);
      const shapes = group.flatMap((r) => r.flushes.map((f) => describeRequests(f.requests)));
      for (const [what, f] of [
        ["requests per flush", (x: Flush) => x.requests.length],
        ["load jobs per flush", (x: Flush) => x.loadJobs],
        ["query jobs per flush", (x: Flush) => x.queryJobs],
      ] as const) {
        const each = group.map((r) => `${constant(r.flushes.map(f)) ?? "varies"} at ${label(r.records)}`);
        const same =
          constant(group.flatMap((r) => r.flushes.map(f))) !== null &&
          (what !== "requests per flush" || shapes.every((s) => s === shapes[0]));
        console.log(
          `  ${what}: ${each.join(", ")} — ${same ? "constant (every flush of every size)" : "NOT constant"}`,
        );
        if (!same)
          problems.push(
            `${what} with ${streams} stream(s) are not the same at every size: ${group
              .map((r) => `${r.flushes.map(f).join("/")} at ${label(r.records)}`)
              .join(", ")} (each flush); the flushes' requests were: ${[...new Set(shapes)].join(" | ")}`,
          );
      }
    }
    const one = runs.find((r) => r.streams === 1)?.flushes[0];
    const two = runs.find((r) => r.streams === 2)?.flushes[0];
    if (one && two)
      console.log(
        `\nA second stream adds ${two.requests.length - one.requests.length} requests to a flush (${one.requests.length} → ${two.requests.length}) and ${two.loadJobs - one.loadJobs} load job: tables.insert, jobs.upload, the load job's jobs.get polls and tables.delete are per stream; the MERGE script (jobs.insert + getQueryResults) is once a flush, whatever its streams. The count grows with the streams of a flush, not its rows.`,
      );

    const all = server.requests;
    const insertAll = all.filter((r) => /insertAll/i.test(r.path));
    const unknown = all.filter((r) => r.route === "unknown");
    console.log(
      `\ninsertAll: ${insertAll.length} of the ${all.length} requests the server answered (the whole bench: flushes, setup, and the bench's own dataset drops and row counts)${insertAll.length === 0 ? " — none, as the loader promises (rows in the streaming buffer cannot be merged)" : ""}.${unknown.length ? ` ${unknown.length} requests matched no route of the stand-in: ${describeRequests(unknown)}.` : ""}`,
    );
    if (insertAll.length > 0)
      problems.push(`${insertAll.length} requests were insertAll: ${describeRequests(insertAll)}`);

    console.log(
      "\nRequests: every HTTP request the server recorded from a flush's first stage() (tables.insert of a staging table) to its last cleanup() (tables.delete), by route. Jobs: the jobs the server created in that span (a load job per stream, one query job for the flush's MERGE script); the loader's own job count matched the server's, and the tables held every record (counted by a query after each load), in every run. Outside flushes: the dataset check and creation, the target tables' schema reads (404: no table yet) and creation, once a load.",
    );
    console.log(
      "The jobs.get count is the client's polling (Operation polls every 500 ms until DONE) against the stand-in, which moves a job one state a poll (PENDING → RUNNING → DONE): so it is fixed here by construction. Against BigQuery a load job is polled until it finishes, so its polls, and the getQueryResults calls of a long MERGE, can grow with the rows.",
    );
    console.log(
      `Batches are records/${flushesWanted} rows, so rows per flush grow ${label(Math.ceil((sizes[0] ?? 0) / flushesWanted))} → ${label(Math.ceil((sizes.at(-1) ?? 0) / flushesWanted))} with the input while the requests of a flush stay the same. Each load starts from an empty dataset (dropped before it). Elapsed: each load in its own process, from runTarget's start (dataset, schemas, tables) to its close. Stage, commit and cleanup: wall time of the loader's calls, timed in the child; a commit runs while the next batch is read, so the three do not add up to elapsed.`,
    );

    const top = runs.filter((r) => r.streams === 1).at(-1);
    if (top) {
      const stage = sum(top.result.phases.map((p) => p.stage));
      const commit = sum(top.result.phases.map((p) => p.commit));
      const merge = sum(top.flushes.map((f) => f.querySeconds));
      console.log(
        `\nWhere the time goes at ${label(top.records)}: stage() ${stage.toFixed(1)} s (${((100 * stage) / top.result.seconds).toFixed(0)}% of the load: gzip, the multipart upload, the stand-in checking each record in JS and DuckDB reading it, and at least one 500 ms poll interval a load job), commit() ${commit.toFixed(1)} s (${((100 * commit) / top.result.seconds).toFixed(0)}%), of which the stand-in ran the MERGE scripts for ${merge.toFixed(1)} s (server side: the duplicate-source-row check, then DuckDB extracting every column from the staged JSON and merging). Rows/s here measures that, not BigQuery.`,
      );
    }
    console.log(
      `\nWhole bench: ${((performance.now() - began) / 1000).toFixed(0)} s, input generation included.`,
    );
  } finally {
    await cleanUp();
  }
  if (problems.length === 0) return 0;
  for (const p of problems) console.error(`bench:bigquery FAILED: ${p}`);
  return 1;
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
  /** Sends a mark and waits for the parent's ack, so it reads the logs before the next request. */
  const mark = async (m: Mark["mark"]) => {
    const acked = new Promise<void>((resolve) => process.once("message", () => resolve()));
    await send({ mark: m });
    await acked;
  };
  // Warnings (a flush retried on a transient error) would change the counts: let them show.
  const logger = new Logger((line) => process.stderr.write(`${line}\n`), "warn");
  const target = targetByName("bigquery");
  const setup = target.create(
    loadTargetSettings(target, [], {
      TARGET_BIGQUERY_PROJECT: PROJECT,
      TARGET_BIGQUERY_DATASET: DATASET,
      TARGET_BIGQUERY_API_ENDPOINT: values.url as string,
      TARGET_BIGQUERY_BATCH_SIZE_ROWS: values.batch as string,
    }),
    logger,
  );
  const loader = setup.loader;
  const phases: Phases[] = [];
  let inFlush = false;
  /** Adds the call's wall time to the flush under way (the last one begun). */
  const timed = async <T>(phase: keyof Phases, work: () => Promise<T>): Promise<T> => {
    const from = performance.now();
    try {
      return await work();
    } finally {
      const flush = phases.at(-1);
      if (flush) flush[phase] += (performance.now() - from) / 1000;
    }
  };
  const stage = loader.stage.bind(loader);
  const commit = loader.commit.bind(loader);
  const cleanup = loader.cleanup.bind(loader);
  loader.stage = async (batch) => {
    if (!inFlush) {
      await mark("flush-start");
      phases.push({ stage: 0, commit: 0, cleanup: 0 });
    }
    inFlush = true;
    return timed("stage", () => stage(batch));
  };
  loader.commit = () => timed("commit", commit);
  loader.cleanup = async (staged) => {
    await timed("cleanup", () => cleanup(staged));
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
    loaderJobs: (loader as unknown as { jobs: number }).jobs,
    phases,
  };
  await send({ result });
  process.disconnect();
} else {
  process.exitCode = await main().catch((error: unknown) => {
    console.error(`bench:bigquery FAILED: ${(error as Error).message}`);
    return 1;
  });
}
