/**
 * How fast the sandbox serves, with the rate limit off: it must never be what a benchmark of
 * the connector measures. The sandbox runs in its own process (as in the demo); this process
 * drives it over keep-alive connections and prints requests per second for each endpoint.
 *
 *   npm run bench:sandbox [-- --seconds 3 --concurrency 16]
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "3" }, concurrency: { type: "string", default: "16" } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const child = spawn(
  process.execPath,
  ["--import", "tsx", "src/cli/sandbox.ts", "--port", "0", "--rate-limit", "0", "--quiet"],
  {
    stdio: ["ignore", "pipe", "inherit"],
  },
);
const lines = createInterface({ input: child.stdout });
const [base] = (await once(lines, "line")) as [string];
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function get(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, bytes: body.length, body });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

const tokenResponse = await fetch(`${base}/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token`, {
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: "grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret&scope=studies%3Aread",
});
const { access_token } = (await tokenResponse.json()) as { access_token: string };
const auth = { Authorization: `Bearer ${access_token}` };
const json = async <T>(path: string) => JSON.parse((await get(path, auth)).body.toString()) as T;

// Discover what to ask for through the API itself, as a client would.
const workspaces = await json<Array<{ uuid: string }>>("/usertesting/api/v1/workspaces");
const studies = (
  await json<{ studies: Array<{ uuid: string; productType?: string }> }>(
    `/usertesting/api/v1/workspaces/${workspaces[0]?.uuid}`,
  )
).studies;
let largest = { testId: "", total: 0 };
for (const study of studies) {
  const res = await get(`/api/v2/sessionResults?testId=${study.uuid}&limit=1`, auth);
  if (res.status !== 200) continue;
  const total = (JSON.parse(res.body.toString()) as { meta: { pagination: { totalCount: number } } }).meta
    .pagination.totalCount;
  if (total > largest.total) largest = { testId: study.uuid, total };
}
const sessionIds = (
  await json<{ sessions: Array<{ sessionId: string }> }>(
    `/api/v2/sessionResults?testId=${largest.testId}&limit=500`,
  )
).sessions.map((s) => s.sessionId);
// The default reading spells enums in either case (COMPLETE, think_out_loud): compare without it.
const tolTest = studies.find((s) => s.productType?.toUpperCase() === "THINK_OUT_LOUD");
const tolSessions = (
  await json<{ sessions: Array<{ sessionId: string; status: string }> }>(
    `/api/v2/sessionResults?testId=${tolTest?.uuid}&limit=500`,
  )
).sessions
  .filter((s) => /^complete/i.test(s.status))
  .map((s) => s.sessionId);

// Keep the sessions that answer 200, so each scenario measures the path that serves content.
async function serving(ids: string[], path: (id: string) => string): Promise<string[]> {
  const kept: string[] = [];
  for (const id of ids) if ((await get(path(id), auth)).status === 200) kept.push(id);
  return kept;
}
const withTranscript = await serving(tolSessions, (id) => `/api/v2/sessionResults/${id}/transcript`);
const withVideo = await serving(
  sessionIds.slice(0, 100),
  (id) => `/api/v2/sessionResults/${id}/videoDownloadUrl`,
);
const pick = <T>(items: T[], i: number): T => items[i % items.length] as T;
const scenarios: Array<[string, (i: number) => string]> = [
  ["workspaces", () => "/usertesting/api/v1/workspaces"],
  ["studies page (50)", () => `/usertesting/api/v1/workspaces/${workspaces[0]?.uuid}`],
  ["sessionResults limit=25", () => `/api/v2/sessionResults?testId=${largest.testId}&limit=25`],
  ["sessionResults limit=500", () => `/api/v2/sessionResults?testId=${largest.testId}&limit=500`],
  ["v3 session details", (i) => `/api/v3/sessionResults/${pick(sessionIds, i)}`],
  ["transcript (WebVTT)", (i) => `/api/v2/sessionResults/${pick(withTranscript, i)}/transcript`],
  ["videoDownloadUrl", (i) => `/api/v2/sessionResults/${pick(withVideo, i)}/videoDownloadUrl`],
];

console.log(
  `sandbox throughput, rate limit off: ${concurrency} keep-alive connections, ${seconds} s per endpoint, Node ${process.version}`,
);
console.log("endpoint                     requests   req/s    p50 ms   p99 ms   MB/s   non-2xx");
const totals: number[] = [];
for (const [name, path] of scenarios) {
  const latencies: number[] = [];
  let bytes = 0;
  let failures = 0;
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const res = await get(path(counter++), auth);
        latencies.push(performance.now() - t0);
        bytes += res.bytes;
        if (res.status < 200 || res.status > 299) failures++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number) =>
    (latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0).toFixed(2);
  const rps = latencies.length / elapsed;
  totals.push(rps);
  console.log(
    `${name.padEnd(28)} ${String(latencies.length).padStart(8)} ${rps.toFixed(0).padStart(7)} ${q(0.5).padStart(8)} ${q(0.99).padStart(8)} ${(bytes / elapsed / 1e6).toFixed(1).padStart(6)} ${String(failures).padStart(9)}`,
  );
}
const slowest = Math.min(...totals);
console.log(
  `slowest endpoint: ${slowest.toFixed(0)} req/s = ${(slowest * 60).toFixed(0)} req/min, ${((slowest * 60) / 10).toFixed(0)}x the API's documented 10 req/min`,
);
agent.destroy();
child.kill("SIGTERM");
await once(child, "exit");
