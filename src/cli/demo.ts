#!/usr/bin/env node
import { parseArgs } from "node:util";
/**
 * npm run demo: the whole pipeline on a fresh machine, no account needed. Starts the Results
 * API sandbox, syncs everything into ./duckdb, stops the sandbox, and prints the
 * summary and a few example queries. Flags: --database FILE, --requests-per-minute N.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { resolveConfig } from "../config/config.js";
import { loadTargetSettings, targetByName } from "../loaders/targets.js";
import { Logger } from "../log/logger.js";
import { startSandbox } from "../sandbox/index.js";
import { runSync } from "../sync/run-sync.js";
import { defaultSelection } from "../tap/catalog.js";
import { formatDuration } from "../tap/progress.js";
import { runCli } from "./run-cli.js";

const EXAMPLES: Array<[string, string]> = [
  [
    "Tests by API and type",
    "SELECT api, coalesce(test_type, '(unknown yet)') AS test_type, count(*) AS tests, sum(session_count) AS sessions FROM tests GROUP BY ALL ORDER BY tests DESC",
  ],
  [
    "Completed sessions and median duration per test type",
    "SELECT t.test_type, count(*) AS sessions, round(median(epoch(s.finish_time) - epoch(s.start_time)) / 60, 1) AS median_minutes FROM sessions s JOIN tests t USING (test_id) WHERE s.status = 'completed' GROUP BY ALL ORDER BY sessions DESC",
  ],
  [
    "Average rating-scale answer per task text (top 5)",
    "SELECT task_text, round(avg(CAST(answer_json->>'$.ratingScale.value' AS DOUBLE)), 2) AS avg_rating, count(*) AS answers FROM tasks WHERE task_type = 'RATING_SCALE' AND NOT skipped GROUP BY ALL ORDER BY answers DESC LIMIT 5",
  ],
  [
    "QX scores per task group (top 5)",
    "SELECT t.title, q.label, q.qx_score, q.attitudinal, q.usability, q.completes FROM qx_task_group_scores q JOIN tests t USING (test_id) ORDER BY q.qx_score DESC NULLS LAST LIMIT 5",
  ],
  [
    "Participants by country",
    "SELECT value AS country, count(*) AS participants FROM demographics WHERE demographic_code = 'COUNTRY' GROUP BY ALL ORDER BY participants DESC",
  ],
  [
    "Transcript cues per speaker",
    "SELECT coalesce(cue->>'$.speaker', '(none)') AS speaker, count(*) AS cues FROM transcripts, unnest(CAST(cues AS JSON[])) AS c(cue) GROUP BY ALL ORDER BY cues DESC",
  ],
];

function table(columns: string[], rows: unknown[][]): string {
  const cells = [
    columns,
    ...rows.map((r) => r.map((v) => (v === null ? "" : typeof v === "bigint" ? v.toString() : String(v)))),
  ];
  const widths = columns.map((_, i) => Math.min(60, Math.max(...cells.map((r) => (r[i] as string).length))));
  const line = (r: string[]) => r.map((c, i) => c.slice(0, 60).padEnd(widths[i] as number)).join("  ");
  return [
    line(cells[0] as string[]),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...cells.slice(1).map((r) => line(r as string[])),
  ].join("\n");
}

await runCli("demo", async () => {
  const { values } = parseArgs({
    options: {
      database: { type: "string", default: "usertesting.duckdb" },
      "requests-per-minute": { type: "string", default: "1200" },
    },
  });
  const rpm = Number(values["requests-per-minute"]);
  const logger = new Logger();
  const sandbox = await startSandbox({ requestsPerMinute: rpm, recordRequests: false });
  process.stdout.write(
    [
      "tap-usertesting demo",
      `  The UserTesting Results API sandbox is serving on ${sandbox.url} (seeded data: ${sandbox.data.tests().length} tests, ${sandbox.data.allSessions().length} sessions).`,
      `  Its rate limit and the tap's requests_per_minute are both raised to ${rpm} a minute (${rpm / 10}x the real API's 10), so this takes about a minute;`,
      "  the summary's pace line shows how long the same sync takes at the real rate.",
      `  Syncing every stream into ${values.database} ...`,
      "",
    ].join("\n"),
  );
  const config = resolveConfig({
    ...sandbox.tapSettings(),
    requests_per_minute: rpm,
  });
  const target = targetByName("duckdb");
  const setup = target.create(
    loadTargetSettings(target, [], { TARGET_DUCKDB_DATABASE: values.database }),
    logger,
  );
  const started = Date.now();
  let exitCode = 0;
  try {
    const result = await runSync({
      config,
      selection: defaultSelection(),
      target: setup,
      state: undefined,
      stateFile: null,
      logger,
    });
    exitCode = result.tap.exitCode;
  } finally {
    await sandbox.close();
  }
  process.stdout.write(
    `\nDone in ${formatDuration(Date.now() - started)}; the sandbox is stopped. A few example queries on ${values.database}:\n`,
  );
  const instance = await DuckDBInstance.create(values.database);
  const connection = await instance.connect();
  // The file's catalog is named after it: name the schema through it, so "usertesting" is not ambiguous.
  const catalog = String((await connection.runAndReadAll("SELECT current_database()")).getRows()[0]?.[0]);
  await connection.run(`USE "${catalog}"."usertesting"`);
  for (const [title, sql] of EXAMPLES) {
    const reader = await connection.runAndReadAll(sql);
    process.stdout.write(`\n-- ${title}\n${sql};\n${table(reader.columnNames(), reader.getRows())}\n`);
  }
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(
    `\nOpen it yourself: duckdb ${values.database}  (or any DuckDB client), tables in schema usertesting.\n`,
  );
  return exitCode;
});
