/**
 * target-duckdb throughput on a large synthetic Singer stream (nested JSON), against DuckDB's
 * own bulk load (read_json with explicit columns) of the same records as NDJSON, in the same
 * run; and peak memory at two input sizes, which must stay flat. A third figure is the floor
 * every validating loader stands on: JSON.parse and the schema check of each line alone, on
 * one thread, loading nothing.
 *
 *   npm run bench:loader [-- --rows 1000000 --small 250000]
 *
 * Each load runs in a child process of its own, so its peak RSS is its own.
 */
import { execFileSync } from "node:child_process";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { record, SCHEMA } from "./synthetic-stream.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    small: { type: "string", default: "250000" },
    child: { type: "string" },
    file: { type: "string" },
    database: { type: "string" },
  },
});

async function writeInputs(dir: string, rows: number): Promise<{ singer: string; ndjson: string }> {
  const singer = join(dir, `input-${rows}.singer`);
  const ndjson = join(dir, `input-${rows}.ndjson`);
  const s = createWriteStream(singer);
  const n = createWriteStream(ndjson);
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => stream.once("drain", () => resolve()));
  await write(
    s,
    `${JSON.stringify({ type: "SCHEMA", stream: "events", schema: SCHEMA, key_properties: ["id"] })}\n`,
  );
  for (let i = 0; i < rows; i++) {
    const r = record(i);
    await write(
      s,
      `${JSON.stringify({ type: "RECORD", stream: "events", record: r, time_extracted: "2026-05-01T00:00:00Z" })}\n`,
    );
    await write(n, `${JSON.stringify(r)}\n`);
    if (i % 100_000 === 99_999) await write(s, `${JSON.stringify({ type: "STATE", value: { at: i } })}\n`);
  }
  await new Promise((resolve) => s.end(resolve));
  await new Promise((resolve) => n.end(resolve));
  return { singer, ndjson };
}

function runChild(
  mode: string,
  file: string,
  database: string,
): { rows: number; seconds: number; cpuSeconds: number; maxRssMb: number; heapMb: number } {
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "bench/loader-throughput.ts",
      "--child",
      mode,
      "--file",
      file,
      "--database",
      database,
    ],
    {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}");
}

if (values.child) {
  const file = values.file as string;
  const database = values.database as string;
  const { runTarget } = await import("../src/loaders/run-target.js");
  const { readLines } = await import("../src/loaders/core/line-splitter.js");
  const { targetByName, loadTargetSettings } = await import("../src/loaders/targets.js");
  const { Logger } = await import("../src/log/logger.js");
  const { DuckDBInstance } = await import("@duckdb/node-api");
  let heapPeak = 0;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 20);
  // Timed from here: modules are loaded, the input is on disk.
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let rows = 0;
  if (values.child === "validate") {
    const { createAjv } = await import("../src/util/json-schema.js");
    let validate: ((record: unknown) => boolean) | undefined;
    for await (const lines of readLines(createReadStream(file))) {
      for (const line of lines) {
        const message = JSON.parse(line.toString("utf8"));
        if (message.type === "SCHEMA") validate = createAjv({ allErrors: false }).compile(message.schema);
        else if (message.type === "RECORD") {
          if (!validate?.(message.record)) throw new Error("invalid record");
          rows += 1;
        }
      }
    }
  } else if (values.child === "target") {
    const logger = new Logger(() => {}, "error");
    const target = targetByName("duckdb");
    const setup = target.create(loadTargetSettings(target, [], { TARGET_DUCKDB_DATABASE: database }), logger);
    const core = await runTarget({
      ...setup,
      lines: readLines(createReadStream(file)),
      emitState: () => {},
      logger,
    });
    rows = core.loaded.get("events") ?? 0;
  } else {
    const instance = await DuckDBInstance.create(database);
    const connection = await instance.connect();
    const columns =
      "{'id': 'BIGINT', 'session_id': 'VARCHAR', 'name': 'VARCHAR', 'score': 'DOUBLE', 'count': 'BIGINT', 'skipped': 'BOOLEAN', 'finish_time': 'TIMESTAMPTZ', 'answer_json': 'JSON', 'tags': 'JSON'}";
    await connection.run(
      `CREATE TABLE events AS SELECT * FROM read_json('${file}', format = 'newline_delimited', columns = ${columns})`,
    );
    rows = Number((await connection.runAndReadAll("SELECT count(*) FROM events")).getRows()[0]?.[0]);
    connection.closeSync();
    instance.closeSync();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  const maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(
    `${JSON.stringify({ rows, seconds, cpuSeconds, maxRssMb, heapMb: Math.round(heapPeak / 1e6) })}\n`,
  );
} else {
  const dir = mkdtempSync(join(tmpdir(), "bench-loader-"));
  const sizes = [Number(values.small), Number(values.rows)];
  const ceilings: Array<[number, number]> = [];
  const cores = availableParallelism();
  console.log(
    `target-duckdb against DuckDB read_json, synthetic records with nested JSON (Node ${process.version})`,
  );
  console.log(
    "records     input MB   target-duckdb rows/s   read_json rows/s   ratio   parse+validate alone rows/s (ratio)   target peak RSS MB (JS heap)   read_json peak RSS MB",
  );
  for (const rows of sizes) {
    const { singer, ndjson } = await writeInputs(dir, rows);
    const ours = runChild("target", singer, join(dir, `ours-${rows}.duckdb`));
    const theirs = runChild("read_json", ndjson, join(dir, `theirs-${rows}.duckdb`));
    const floor = runChild("validate", singer, "");
    if (ours.rows !== rows || theirs.rows !== rows || floor.rows !== rows)
      throw new Error(`row counts differ: ${ours.rows} / ${theirs.rows} / ${floor.rows} / ${rows}`);
    const oursRate = rows / ours.seconds;
    const theirRate = rows / theirs.seconds;
    const floorRate = rows / floor.seconds;
    // Both jobs' CPU time, spread perfectly over every core, against read_json's wall time.
    ceilings.push([rows, (cores * theirs.seconds) / (floor.cpuSeconds + theirs.cpuSeconds)]);
    console.log(
      `${String(rows).padStart(9)} ${(statSync(singer).size / 1e6).toFixed(0).padStart(10)} ${oursRate.toFixed(0).padStart(22)} ${theirRate.toFixed(0).padStart(18)} ${(oursRate / theirRate).toFixed(2).padStart(7)} ${`${floorRate.toFixed(0)} (${(floorRate / theirRate).toFixed(2)})`.padStart(37)} ${`${ours.maxRssMb} (${ours.heapMb})`.padStart(30)} ${String(theirs.maxRssMb).padStart(23)}`,
    );
  }
  console.log(
    `parse+validate alone: JSON.parse and the schema check of every line, on one thread, loading nothing. A loader that validates every record in JavaScript does that work and DuckDB's load besides; with both jobs' CPU time spread perfectly over ${cores} cores, its ratio could at best be ${ceilings.map(([rows, c]) => `${c.toFixed(2)} at ${rows} records`).join(", ")}.`,
  );
  rmSync(dir, { recursive: true, force: true });
}
