/**
 * The client against the sandbox: how much of the allowed rate it uses, how many 429s it
 * provokes, and what it costs per request.
 *
 *   npm run bench:client [-- --rpm 600 --minutes 2 --overhead-requests 3000]
 *
 * Part 1 runs the sandbox and the client at the same limit (the API's 10 a minute scaled up)
 * for whole minutes and reports requests per minute achieved as a fraction of the limit.
 * Part 2 turns the limit off and compares the client's time per request with bare got calls
 * to the same endpoint.
 */
import { parseArgs } from "node:util";
import { got } from "got";
import { createApiClient } from "../src/api/create-client.js";
import { resolveConfig } from "../src/config/config.js";
import { Logger } from "../src/log/logger.js";
import { startSandbox } from "../src/sandbox/index.js";

const { values } = parseArgs({
  options: {
    rpm: { type: "string", default: "600" },
    minutes: { type: "string", default: "2" },
    "overhead-requests": { type: "string", default: "3000" },
  },
});
const rpm = Number(values.rpm);
const minutes = Number(values.minutes);
const overheadRequests = Number(values["overhead-requests"]);
const quiet = new Logger(() => {}, "error");

function configFor(sandbox: Awaited<ReturnType<typeof startSandbox>>, requestsPerMinute: number) {
  return resolveConfig({
    ...sandbox.tapSettings(),
    requests_per_minute: requestsPerMinute,
    max_concurrency: 3,
  });
}

// ---- Part 1: use of the allowed rate ---------------------------------------------------------
{
  const sandbox = await startSandbox({ requestsPerMinute: rpm, recordRequests: true });
  const { client, stats } = createApiClient(configFor(sandbox, rpm), { logger: quiet });
  const sessions = sandbox.data.allSessions();
  const started = Date.now();
  const deadline = started + minutes * 60_000;
  let next = 0;
  process.stderr.write(
    `part 1: ${minutes} min at ${rpm} requests/min (sandbox and client), 3 in flight...\n`,
  );
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (Date.now() < deadline) {
        const session = sessions[next++ % sessions.length];
        await client.sessionDetail(session?.sessionId ?? "");
      }
    }),
  );
  const arrivals = sandbox.requests
    .filter((r) => r.route === "sessionDetail" && r.status === 200)
    .map((r) => r.at);
  const inWindow = arrivals.filter((t) => t < started + minutes * 60_000).length;
  // The first minute starts with a full window's burst; the minutes after show the steady rate.
  const steady = arrivals.filter((t) => t >= started + 60_000 && t < started + minutes * 60_000).length;
  let busiest = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while ((arrivals[i] as number) - (arrivals[j] as number) >= 60_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  console.log(`rate limit use (sandbox and client at ${rpm} requests/min, ${minutes} whole minutes)`);
  console.log(`  requests served in the ${minutes} minutes:   ${inWindow} of ${rpm * minutes} allowed`);
  console.log(`  achieved / allowed:                ${(inWindow / (rpm * minutes)).toFixed(3)}`);
  if (minutes > 1) {
    console.log(
      `  steady state (minutes 2-${minutes}):       ${steady} of ${rpm * (minutes - 1)} allowed = ${(steady / (rpm * (minutes - 1))).toFixed(3)}`,
    );
  }
  console.log(`  busiest 60-second window:          ${busiest} (limit ${rpm})`);
  console.log(`  429 responses:                     ${stats.rateLimited}`);
  await sandbox.close();
}

// ---- Part 2: client overhead per request ------------------------------------------------------
{
  const sandbox = await startSandbox({ requestsPerMinute: 0, recordRequests: false });
  const { client } = createApiClient(configFor(sandbox, 100_000), { logger: quiet });
  const session = sandbox.data.allSessions()[0]?.sessionId ?? "";
  const token = sandbox.issueToken();
  const raw = got.extend({ retry: { limit: 0 }, throwHttpErrors: false, responseType: "text" });
  const url = `${sandbox.url}/api/v3/sessionResults/${session}`;
  // Warm both paths (connections, JIT), then time sequential requests.
  for (let i = 0; i < 200; i++) {
    await client.sessionDetail(session);
    JSON.parse((await raw.get(url, { headers: { authorization: `Bearer ${token}` } })).body);
  }
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < overheadRequests; i++) await fn();
    return Number(process.hrtime.bigint() - t0) / 1e3 / overheadRequests;
  };
  // Alternate the two paths over rounds and keep each one's median, so warm-up and noise fall on both.
  const bareRounds: number[] = [];
  const ourRounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    bareRounds.push(
      await time(async () =>
        JSON.parse((await raw.get(url, { headers: { authorization: `Bearer ${token}` } })).body),
      ),
    );
    ourRounds.push(await time(() => client.sessionDetail(session)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const bare = median(bareRounds);
  const ours = median(ourRounds);
  console.log(
    `client overhead (rate limit off, median of 5 rounds of ${overheadRequests} sequential v3 detail requests)`,
  );
  console.log(`  bare got + JSON.parse:             ${bare.toFixed(0)} µs/request`);
  console.log(`  ResultsApiClient.sessionDetail:    ${ours.toFixed(0)} µs/request`);
  console.log(
    `  overhead (budget, auth, policy):   ${(ours - bare).toFixed(0)} µs/request (${((ours / bare - 1) * 100).toFixed(0)}%)`,
  );
  console.log(
    `  at the API's real 10 requests/min a request slot is 6,000,000 µs: overhead is ${(((ours - bare) / 6e6) * 100).toExponential(1)}% of it`,
  );
  await sandbox.close();
}
