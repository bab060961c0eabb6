#!/usr/bin/env node
/**
 * usertesting-sandbox: runs the fake Results API until interrupted.
 * `npm run -s sandbox -- --help` lists the flags (-s: without npm's banner, stdout's first line
 * is the base URL).
 */
import { parseArgs } from "node:util";
import {
  API_SHAPE_VALUES,
  type ApiShapes,
  describeApiShapes,
  parseApiShapes,
  startSandbox,
} from "../sandbox/index.js";

const SHAPE_KEYS = Object.entries(API_SHAPE_VALUES)
  .map(([key, values]) => `                              ${key}=${values.join("|")}`)
  .join("\n");

const HELP = `usertesting-sandbox: a local, deterministic UserTesting Results API

Usage: npm run -s sandbox -- [options]   (-s keeps npm's banner off stdout)

Prints the base URL alone on stdout's first line, and on stderr a summary with its PID.

Server
  --port N                  port to listen on (default: a free port)
  --host ADDR               address to bind (default 127.0.0.1)
  --rate-limit N            requests per minute on the Results API endpoints, 0 = off (default 10)
  --token-ttl SECONDS       lifetime of issued access tokens (default 3600)
  --reel-generation-ms N    how long highlight reels stay GENERATING (default 2000)
  --quiet                   do not log requests to stderr

Data (deterministic for the same flags)
  --seed S                  seed of the generated data (default 42)
  --workspaces N            number of workspaces (default 3)
  --tests-per-workspace N   tests in each workspace but the first (default 12)
  --large-workspace-tests N tests in the first workspace; over 50 forces cursor paging (default 55)
  --sessions-per-test N     average sessions of a test (default 8)
  --large-test-sessions N   sessions of one interaction test; over 500 forces offset paging (default 620)
  --huge-test-sessions N    sessions of one survey, e.g. 10600 to pass the offset-10000 cap (default 0)
  --epoch N                 days of new sessions applied on top of the initial data (default 0);
                            kill -USR2 PID (the PID it prints) advances a running sandbox one day
  --advance-every SECONDS   advance one day every SECONDS (e.g. 60, or 0.5; default: never)

Shapes (where the vendor's guides and its OpenAPI disagree)
  --api-shapes SPEC         guides, openapi or default (the OpenAPI's reading with the v1 study
                            listing as {studies: [...]}), then optional ,key=value overrides,
                            e.g. openapi,sessionListing=all,retryAfter=true (default: default).
                            Keys:
${SHAPE_KEYS}

Faults (shares of API requests, drawn from the seed)
  --fault-rate X            share answered 500, 502 or 503 (default 0)
  --drop-rate X             share whose connection is dropped (default 0)
  --slow-rate X             share delayed by --slow-ms (default 0)
  --slow-ms N               delay of slow responses (default 1500)
`;

function fail(message: string): never {
  process.stderr.write(`usertesting-sandbox: ${message}\nRun with --help for the flags.\n`);
  process.exit(2);
}

function numberFlag(
  values: Record<string, unknown>,
  name: string,
  { integer = true, min = 0, max = Number.POSITIVE_INFINITY } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    fail(
      `--${name} must be ${integer ? "a whole number" : "a number"} from ${min}${Number.isFinite(max) ? ` to ${max}` : " up"}; got '${String(raw)}'.`,
    );
  }
  return value;
}

async function main(): Promise<void> {
  const flags = [
    "port",
    "host",
    "rate-limit",
    "token-ttl",
    "reel-generation-ms",
    "seed",
    "workspaces",
    "tests-per-workspace",
    "large-workspace-tests",
    "sessions-per-test",
    "large-test-sessions",
    "huge-test-sessions",
    "epoch",
    "api-shapes",
    "fault-rate",
    "drop-rate",
    "slow-rate",
    "slow-ms",
    "advance-every",
  ] as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        ...Object.fromEntries(flags.map((f) => [f, { type: "string" as const }])),
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
  const rate = (name: string) => numberFlag(values, name, { integer: false, min: 0, max: 1 });
  const advanceEvery = numberFlag(values, "advance-every", { integer: false, min: 0.01, max: 86400 });
  let apiShapes: ApiShapes | undefined;
  if (typeof values["api-shapes"] === "string") {
    try {
      apiShapes = parseApiShapes(values["api-shapes"]);
    } catch (error) {
      fail(`--api-shapes: ${(error as Error).message}.`);
    }
  }
  const sandbox = await startSandbox({
    port: numberFlag(values, "port", { max: 65535 }),
    host: typeof values.host === "string" ? values.host : undefined,
    requestsPerMinute: numberFlag(values, "rate-limit"),
    tokenTtlSeconds: numberFlag(values, "token-ttl", { min: 1 }),
    reelGenerationMs: numberFlag(values, "reel-generation-ms"),
    seed: typeof values.seed === "string" ? values.seed : undefined,
    workspaces: numberFlag(values, "workspaces"),
    testsPerWorkspace: numberFlag(values, "tests-per-workspace"),
    largeWorkspaceTests: numberFlag(values, "large-workspace-tests"),
    sessionsPerTest: numberFlag(values, "sessions-per-test"),
    largeTestSessions: numberFlag(values, "large-test-sessions"),
    hugeTestSessions: numberFlag(values, "huge-test-sessions"),
    epoch: numberFlag(values, "epoch", { max: 3650 }),
    apiShapes,
    faults: {
      errorRate: rate("fault-rate"),
      dropRate: rate("drop-rate"),
      slowRate: rate("slow-rate"),
      slowMs: numberFlag(values, "slow-ms"),
    },
    recordRequests: false,
    log: values.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  }).catch((error: NodeJS.ErrnoException) => fail(`cannot listen: ${error.code ?? ""} ${error.message}`));

  const tests = sandbox.data.tests();
  const sessions = sandbox.data.allSessions().length;
  const limit = sandbox.rateLimiter.enabled ? `${sandbox.rateLimiter.limit} requests/minute` : "off";
  // The base URL goes to stdout alone on its first line, so scripts can read it.
  process.stdout.write(`${sandbox.url}\n`);
  process.stderr.write(
    [
      `UserTesting Results API sandbox listening on ${sandbox.url}`,
      `  token URL      ${sandbox.tokenUrl}`,
      `  client id      ${sandbox.client.clientId}`,
      "  client secret  (the sandbox default; see README)",
      `  data           seed ${sandbox.data.seed}, epoch ${sandbox.data.epoch}: ${sandbox.data.workspaces().length} workspaces, ${tests.length} tests (${tests.filter((t) => t.api === "classic").length} classic), ${sessions} sessions`,
      `  api shapes     ${describeApiShapes(sandbox.data.shapes)}`,
      `  rate limit     ${limit}`,
      `  pid            ${process.pid} (kill -USR2 ${process.pid} advances one day)`,
      ...(advanceEvery ? [`  advances       one day every ${advanceEvery} s`] : []),
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
  const advance = () => {
    sandbox.data.advanceEpoch();
    process.stderr.write(
      `sandbox: advanced to epoch ${sandbox.data.epoch}: ${sandbox.data.allSessions().length} sessions\n`,
    );
  };
  process.on("SIGUSR2", advance);
  const timer = advanceEvery ? setInterval(advance, advanceEvery * 1000) : undefined;
  const stop = () => {
    clearInterval(timer);
    sandbox.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

await main();
