#!/usr/bin/env node
/**
 * npm run demo: the whole pipeline on a fresh machine, no account needed. Starts the Results
 * API sandbox, syncs everything into ./usertesting.duckdb, stops the sandbox, and prints the
 * summary and a few example queries as commands that work as printed. Flags: --database FILE,
 * --requests-per-minute N, --target duckdb|snowflake|bigquery (snowflake, bigquery: through the
 * local Snowflake- or BigQuery-protocol server, a stand-in with DuckDB inside). What it starts is
 * stopped on every way out: success, an error, Ctrl-C or SIGTERM.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { resolveConfig } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { loadTargetSettings, targetByName } from "../loaders/targets.js";
import { Logger } from "../log/logger.js";
import { type Sandbox, startSandbox } from "../sandbox/index.js";
import { runSync } from "../sync/run-sync.js";
import { defaultSelection } from "../tap/catalog.js";
import { formatDuration } from "../tap/progress.js";
import { printBigQueryTables, startBigQueryDemo } from "./demo-bigquery.js";
import { printSnowflakeTables, startSnowflakeDemo } from "./demo-snowflake.js";
import { formatResult, QuerySession } from "./query-command.js";
import { EXIT, runCli } from "./run-cli.js";

const USAGE = `Usage: npm run demo -- [--database FILE] [--requests-per-minute N] [--target duckdb|snowflake|bigquery]
  --database FILE           the DuckDB file to sync into (default usertesting.duckdb)
  --target snowflake        load with target-snowflake into the local Snowflake-protocol server
                            (a stand-in with DuckDB inside, in memory; not Snowflake) instead
  --target bigquery         load with target-bigquery into the local BigQuery-protocol server
                            (a stand-in with DuckDB inside, in memory; not BigQuery) instead
  --requests-per-minute N   the sandbox's rate limit and the tap's budget, a whole number from 1
                            to 100000 (default 1200; the real API allows 10)`;
/** The end of every refusal: one paragraph, so one line. */
const USAGE_HINT =
  "Usage: npm run demo -- [--database FILE] [--requests-per-minute N] [--target duckdb|snowflake|bigquery] (--help explains them).";

const DEFAULT_DATABASE = "usertesting.duckdb";
/** The schema the demo loads into: the target's default. */
const SCHEMA = "usertesting";

/**
 * The example queries, as the demo prints them for `tap-usertesting query`, which puts the
 * schema on the search path. No `$`, backquote or double quote, so each fits in double quotes
 * in any POSIX shell.
 */
const EXAMPLES: Array<[title: string, sql: string]> = [
  [
    "Tests by API and type",
    "SELECT api, CASE WHEN api = 'classic' THEN '(classic: not in the Results API)' ELSE coalesce(test_type, '(unknown yet)') END AS test_type, count(*) AS tests, sum(session_count) AS sessions FROM tests GROUP BY ALL ORDER BY tests DESC",
  ],
  [
    "Completed sessions and median duration per test type",
    "SELECT t.test_type, count(*) AS sessions, round(median(epoch(s.finish_time) - epoch(s.start_time)) / 60, 1) AS median_minutes FROM sessions s JOIN tests t USING (test_id) WHERE s.status = 'completed' GROUP BY ALL ORDER BY sessions DESC",
  ],
  [
    "Average rating-scale answer per task text (top 5)",
    "SELECT task_text, round(avg(CAST(answer_json->'ratingScale'->>'value' AS DOUBLE)), 2) AS avg_rating, count(*) AS answers FROM tasks WHERE task_type = 'RATING_SCALE' AND NOT skipped GROUP BY ALL ORDER BY answers DESC LIMIT 5",
  ],
  [
    "QX scores per task group (top 5)",
    "SELECT t.title, q.label, q.qx_score, q.attitudinal, q.usability, q.completes FROM qx_task_group_scores q JOIN tests t USING (test_id) ORDER BY q.qx_score DESC NULLS LAST LIMIT 5",
  ],
  [
    // The OpenAPI's demographics may omit the code: the label names the question then.
    "Participants by country",
    "SELECT coalesce(value, '(not given)') AS country, count(*) AS participants FROM demographics WHERE coalesce(demographic_code, upper(label)) = 'COUNTRY' GROUP BY ALL ORDER BY participants DESC",
  ],
  [
    "Transcript cues per speaker",
    "SELECT coalesce(cue->>'speaker', '(none)') AS speaker, count(*) AS cues FROM transcripts, unnest(CAST(cues AS JSON[])) AS c(cue) GROUP BY ALL ORDER BY cues DESC",
  ],
];

/** `text` as one word of a POSIX shell command line, quoted only when it has to be. */
function shellWord(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  if (!/["$`\\!]/.test(text)) return `"${text}"`;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A SQL identifier, quoted only when it has to be. */
const sqlName = (name: string): string =>
  /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;

/** The demo's flags, or null for --help. */
function parseOptions(): {
  database: string;
  rpm: number;
  target: "duckdb" | "snowflake" | "bigquery";
} | null {
  let values: { database?: string; "requests-per-minute"?: string; target?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        database: { type: "string", default: DEFAULT_DATABASE },
        "requests-per-minute": { type: "string", default: "1200" },
        target: { type: "string", default: "duckdb" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. ${USAGE_HINT}`);
  }
  if (values.help) return null;
  const raw = String(values["requests-per-minute"]);
  const rpm = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(rpm) || rpm < 1 || rpm > 100000)
    throw new ConfigError(
      `--requests-per-minute must be a whole number from 1 to 100000, not '${raw}'. ${USAGE_HINT}`,
    );
  const database = String(values.database);
  if (database.trim() === "" || database === ":memory:")
    throw new ConfigError(`--database must name a DuckDB file, not '${database}'. ${USAGE_HINT}`);
  if (!existsSync(dirname(resolve(database))))
    throw new ConfigError(
      `--database ${database}: the folder ${dirname(resolve(database))} does not exist. ${USAGE_HINT}`,
    );
  const target = String(values.target);
  if (target !== "duckdb" && target !== "snowflake" && target !== "bigquery")
    throw new ConfigError(`--target must be duckdb, snowflake or bigquery, not '${target}'. ${USAGE_HINT}`);
  return { database, rpm, target };
}

/**
 * Stops the sandbox, then exits 130 (Ctrl-C) or 143 (SIGTERM), saying so and what is left
 * (`kept`, e.g. "usertesting.duckdb keeps what was committed").
 */
function stopOnSignals(sandbox: Sandbox, kept: string, also?: () => Promise<void>): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      process.stderr.write(
        `\ndemo: interrupted (${signal}); the sandbox is stopped. ${kept}; run npm run demo again for a full sync.\n`,
      );
      Promise.all([sandbox.close(), also?.()]).finally(() =>
        process.exit(signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm),
      );
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const off of handlers) off();
  };
}

async function printExamples(database: string): Promise<void> {
  const databaseFlag = database === DEFAULT_DATABASE ? "" : ` --database ${shellWord(database)}`;
  const session = await QuerySession.open(database, SCHEMA);
  try {
    process.stdout.write("A few example queries, each a command that runs as printed (in this folder):\n");
    for (const [title, sql] of EXAMPLES) {
      const result = await session.run(sql);
      const table = result ? formatResult(result, "text") : "";
      process.stdout.write(
        `\n-- ${title}\nnpx tap-usertesting query${databaseFlag} ${shellWord(sql)}\n${table}`,
      );
    }
    const tests = `${sqlName(session.catalog)}.${SCHEMA}.tests`;
    process.stdout.write(
      [
        "",
        `More: npx tap-usertesting query --help. Or use the DuckDB CLI (install it from duckdb.org):`,
        `duckdb ${shellWord(database)} ${shellWord(`SELECT count(*) AS tests FROM ${tests}`)}`,
        `  The tables are in schema ${SCHEMA} of the catalog ${session.catalog}, named after the file: name them in full (${tests}), or run USE ${sqlName(session.catalog)}.${SCHEMA}; first.`,
        "",
      ].join("\n"),
    );
  } finally {
    session.close();
  }
}

await runCli("demo", async () => {
  const options = parseOptions();
  if (!options) {
    process.stdout.write(`npm run demo: sync the bundled Results API sandbox into DuckDB\n\n${USAGE}\n`);
    return EXIT.ok;
  }
  const { database, rpm } = options;
  const logger = new Logger();
  const duckdb = targetByName("duckdb");
  // Set up before the sandbox starts, so a bad --database is refused with nothing running.
  const snowflake = options.target === "snowflake" ? await startSnowflakeDemo(logger) : null;
  const bigquery = options.target === "bigquery" ? await startBigQueryDemo(logger) : null;
  const standIn = snowflake ?? bigquery;
  const setup =
    standIn?.setup ??
    duckdb.create(loadTargetSettings(duckdb, [], { TARGET_DUCKDB_DATABASE: database }), logger);
  const into = snowflake
    ? `the local Snowflake stand-in at ${snowflake.server.url} (DuckDB inside, not Snowflake) with target-snowflake`
    : bigquery
      ? `the local BigQuery stand-in at ${bigquery.server.url} (DuckDB inside, not BigQuery) with target-bigquery`
      : database;
  const sandbox = await startSandbox({ requestsPerMinute: rpm, recordRequests: false });
  const kept = standIn
    ? "The local stand-in kept its tables in memory, so nothing is left"
    : `${database} keeps what was committed`;
  const offSignals = stopOnSignals(sandbox, kept, standIn ? () => standIn.server.close() : undefined);
  const started = Date.now();
  let exitCode: number;
  try {
    process.stdout.write(
      [
        "tap-usertesting demo",
        `  The UserTesting Results API sandbox is serving on ${sandbox.url} (seeded data: ${sandbox.data.tests().length} tests, ${sandbox.data.allSessions().length} sessions).`,
        `  Its rate limit and the tap's requests_per_minute are both raised to ${rpm} a minute (${rpm / 10}x the real API's 10), so this takes about a minute;`,
        "  the summary's pace line shows how long the same sync takes at the real rate.",
        `  Syncing every stream into ${into} ...`,
        "",
      ].join("\n"),
    );
    const config = resolveConfig({ ...sandbox.tapSettings(), requests_per_minute: rpm });
    const result = await runSync({
      config,
      selection: defaultSelection(),
      target: setup,
      state: undefined,
      stateFile: null,
      logger,
    });
    exitCode = result.tap.exitCode;
    if (standIn) process.stdout.write(`\nDone in ${formatDuration(Date.now() - started)}.\n`);
    if (snowflake) await printSnowflakeTables(snowflake.server);
    if (bigquery) await printBigQueryTables(bigquery.server);
  } finally {
    await sandbox.close();
    await standIn?.server.close();
    offSignals();
  }
  if (standIn) return exitCode;
  process.stdout.write(`\nDone in ${formatDuration(Date.now() - started)}; the sandbox is stopped.\n`);
  await printExamples(database);
  return exitCode;
});
