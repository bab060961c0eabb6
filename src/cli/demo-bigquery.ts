import { BigQuery } from "@google-cloud/bigquery";
import { OAuth2Client } from "google-auth-library";
import { type BigQueryLocal, startBigQueryLocal } from "../emulators/bigquery/index.js";
import { BIGQUERY_DIALECT } from "../loaders/bigquery/bigquery-dialect.js";
import { loadTargetSettings, type TargetSetup, targetByName } from "../loaders/targets.js";
import type { Logger } from "../log/logger.js";
import { STREAMS } from "../streams/registry.js";

const PROJECT = "local-demo";
const DATASET = "usertesting_demo";
const LOCATION = "US";

/**
 * The demo's BigQuery leg: target-bigquery, with the real @google-cloud/bigquery client, against
 * the local BigQuery-protocol server (DuckDB inside, in memory: a stand-in, not BigQuery).
 */
export async function startBigQueryDemo(
  logger: Logger,
): Promise<{ server: BigQueryLocal; setup: TargetSetup }> {
  const server = await startBigQueryLocal({ database: ":memory:" });
  const target = targetByName("bigquery");
  const setup = target.create(
    loadTargetSettings(target, [], {
      TARGET_BIGQUERY_PROJECT: PROJECT,
      TARGET_BIGQUERY_DATASET: DATASET,
      TARGET_BIGQUERY_LOCATION: LOCATION,
      TARGET_BIGQUERY_API_ENDPOINT: server.url,
    }),
    logger,
  );
  return { server, setup };
}

/** A client for the local server: its endpoint, and a token that needs no call to Google's auth servers. */
function localClient(url: string): BigQuery {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: "demo-reader", expiry_date: Date.now() + 86_400_000 });
  return new BigQuery({ projectId: PROJECT, apiEndpoint: url, authClient, location: LOCATION } as never);
}

/** What landed, read back through @google-cloud/bigquery as a BigQuery user would. */
export async function printBigQueryTables(server: BigQueryLocal): Promise<void> {
  const client = localClient(server.url);
  const run = async (sql: string) =>
    (await client.query({ query: sql, location: LOCATION }))[0] as Array<Record<string, unknown>>;
  const table = (stream: string) => `\`${PROJECT}.${DATASET}.${BIGQUERY_DIALECT.tableName(stream)}\``;
  process.stdout.write(
    `Tables in ${PROJECT}.${DATASET} of the local stand-in, read back with @google-cloud/bigquery:\n`,
  );
  for (const stream of STREAMS.filter((s) => s.selectedByDefault !== false)) {
    const [row] = await run(`SELECT count(*) AS n FROM ${table(stream.name)}`);
    process.stdout.write(`  ${stream.name.padEnd(22)} ${String(row?.n ?? 0).padStart(6)} rows\n`);
  }
  const sql = `SELECT coalesce(test_type, api) AS type, count(*) AS tests FROM ${table("tests")} GROUP BY 1 ORDER BY 2 DESC`;
  process.stdout.write(`\n-- ${sql}\n`);
  for (const row of await run(sql))
    process.stdout.write(`  ${String(row.type).padEnd(22)} ${String(row.tests).padStart(6)}\n`);
  process.stdout.write(
    "\nThe stand-in kept its tables in memory and is stopped now. Against a real project, run\n" +
      "tap-usertesting sync --target bigquery --target-config bigquery.json (see the README's Load into BigQuery).\n",
  );
}
