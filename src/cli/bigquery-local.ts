#!/usr/bin/env node
/**
 * bigquery-local: runs the local BigQuery REST (v2) stand-in (DuckDB inside) until interrupted.
 * `npm run -s bigquery-local -- --help` lists the flags (-s: without npm's banner, stdout's first
 * line is the URL to pass to @google-cloud/bigquery as `apiEndpoint`).
 */
import { parseArgs } from "node:util";
import { startBigQueryLocal } from "../emulators/bigquery/index.js";
import { closeOnSignals } from "./close-on-signals.js";

const HELP = `bigquery-local: a LOCAL stand-in for BigQuery's REST API (v2), with DuckDB inside. It is not BigQuery.

Usage: npm run -s bigquery-local -- [options]   (-s keeps npm's banner off stdout)

Prints its URL alone on stdout's first line; connect @google-cloud/bigquery with
  new BigQuery({ apiEndpoint: URL, projectId: "any", authClient: <OAuth2Client with a fixed access_token> })
Any bearer token and any project id are accepted.

  --port N         port to listen on (default: a free port)
  --host ADDR      address to bind (default 127.0.0.1)
  --database FILE  DuckDB database file (default :memory:, gone when it stops)
  --quiet          do not log requests to stderr
`;

function fail(message: string): never {
  process.stderr.write(`bigquery-local: ${message}\nRun with --help for the flags.\n`);
  process.exit(2);
}

function port(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    fail(`--port must be a whole number from 0 to 65535; got '${raw}'.`);
  return value;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        database: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const database = (values.database as string | undefined) ?? ":memory:";
  let server: Awaited<ReturnType<typeof startBigQueryLocal>>;
  try {
    server = await startBigQueryLocal({
      port: port(values.port as string | undefined),
      host: values.host as string | undefined,
      database,
      log: values.quiet ? undefined : (line) => process.stderr.write(`bigquery-local: ${line}\n`),
    });
  } catch (error) {
    fail(`could not start: ${(error as Error).message}`);
  }
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    [
      `bigquery-local (PID ${process.pid}) listening on ${server.url}`,
      "This is a local stand-in that speaks BigQuery's REST API (v2) with DuckDB inside. It is NOT BigQuery:",
      "only the SQL a loader sends is translated, and results can differ from the real service.",
      `Database: ${database === ":memory:" ? "in memory (lost when it stops)" : database}`,
      "Auth: any bearer token; any project id.",
      `@google-cloud/bigquery options: { apiEndpoint: "${server.url}", projectId, authClient: OAuth2Client with credentials { access_token, expiry_date } }`,
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
  );
  closeOnSignals("bigquery-local", () => server.close());
}

await main();
