#!/usr/bin/env node
/**
 * snowflake-local: runs the local Snowflake-protocol stand-in (DuckDB inside) until interrupted.
 * `npm run -s snowflake-local -- --help` lists the flags (-s: without npm's banner, stdout's first
 * line is the URL to pass to snowflake-sdk as `accessUrl`).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type SnowflakeLocalUser, startSnowflakeLocal } from "../emulators/snowflake/index.js";
import { closeOnSignals } from "./close-on-signals.js";

const HELP = `snowflake-local: a LOCAL stand-in for Snowflake's HTTP protocol, with DuckDB inside. It is not Snowflake.

Usage: npm run -s snowflake-local -- [options]   (-s keeps npm's banner off stdout)

Prints its URL alone on stdout's first line; connect snowflake-sdk with
  { accessUrl: URL, account: "LOCAL", username: ..., password: ... }
or key-pair: { accessUrl: URL, account: "LOCAL", username: NAME, authenticator: "SNOWFLAKE_JWT", privateKey: PEM }.

  --port N                     port to listen on (default: a free port)
  --host ADDR                  address to bind (default 127.0.0.1)
  --database FILE              DuckDB database file (default :memory:, gone when it stops)
  --user NAME=PUBLIC_KEY_FILE  register a user with a PEM public key for key-pair login (repeatable);
                               with users registered, only they can log in
  --session-ttl SECONDS        session token lifetime before the driver must renew it (default 3600)
  --quiet                      do not log requests to stderr
`;

function fail(message: string): never {
  process.stderr.write(`snowflake-local: ${message}\nRun with --help for the flags.\n`);
  process.exit(2);
}

function wholeNumber(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`--${name} must be a whole number from ${min} to ${max}; got '${raw}'.`);
  return value;
}

function readUser(spec: string): SnowflakeLocalUser {
  const match = /^([^=]+)=(.+)$/.exec(spec);
  if (!match) fail(`--user must be NAME=PUBLIC_KEY_FILE; got '${spec}'.`);
  const [, name = "", file = ""] = match;
  let publicKey: string;
  try {
    publicKey = readFileSync(file, "utf8");
  } catch (error) {
    fail(`cannot read the public key file '${file}' for user ${name}: ${(error as Error).message}.`);
  }
  if (!publicKey.includes("BEGIN PUBLIC KEY"))
    fail(`'${file}' (user ${name}) is not a PEM public key: expected a "-----BEGIN PUBLIC KEY-----" block.`);
  return { name, publicKey };
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        database: { type: "string" },
        user: { type: "string", multiple: true },
        "session-ttl": { type: "string" },
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
  const users = ((values.user as string[] | undefined) ?? []).map(readUser);
  const database = (values.database as string | undefined) ?? ":memory:";
  let server: Awaited<ReturnType<typeof startSnowflakeLocal>>;
  try {
    server = await startSnowflakeLocal({
      port: wholeNumber(values.port as string | undefined, "port", 0, 65535),
      host: values.host as string | undefined,
      database,
      users,
      sessionTtlSeconds: wholeNumber(
        values["session-ttl"] as string | undefined,
        "session-ttl",
        1,
        86_400 * 7,
      ),
      log: values.quiet ? undefined : (line) => process.stderr.write(`snowflake-local: ${line}\n`),
    });
  } catch (error) {
    fail(`could not start: ${(error as Error).message}`);
  }
  process.stdout.write(`${server.url}\n`);
  process.stderr.write(
    [
      `snowflake-local (PID ${process.pid}) listening on ${server.url}`,
      "This is a local stand-in that speaks Snowflake's HTTP protocol with DuckDB inside. It is NOT Snowflake:",
      "only the SQL a loader sends is translated, and results can differ from the real service.",
      `Database: ${database === ":memory:" ? "in memory (lost when it stops)" : database} (DuckDB catalog "${server.catalog}")`,
      `Logins: ${users.length === 0 ? "any user and password" : `key pair for ${users.map((u) => u.name).join(", ")}`}`,
      `snowflake-sdk options: { accessUrl: "${server.url}", account: "LOCAL", username, password | authenticator: "SNOWFLAKE_JWT" + privateKey }`,
      "Ctrl-C stops it.",
      "",
    ].join("\n"),
  );
  closeOnSignals("snowflake-local", () => server.close());
}

await main();
