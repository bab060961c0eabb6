/**
 * The media downloader against the sandbox: memory while streaming a file far larger than the
 * heap, throughput, and the API calls each video and highlight reel costs.
 *
 *   npm run bench:media [-- --mb 512 --small 64 --heap-mb 64]
 *
 * Part 1: a session video of about `--small` MB, then one of `--mb` MB (the sandbox's
 * `videoBytes` option), each downloaded into a local file by a child process started with
 * --max-old-space-size=<heap-mb>. The child samples its RSS and heap every 20 ms and reads its
 * maxRSS at the end; the file's sha256 is checked against the sandbox's bytes. Peak RSS must not
 * grow with the file. The sandbox serves
 * from memory in this process, so MB/s is the downloader's and the loopback's, not S3's.
 * Part 2: API calls per video and per highlight reel through the real engine (see apiCalls).
 *
 * Exits non-zero when a file differs from the sandbox's, when memory grows with the file, or
 * when a video costs more than one URL request.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { getHeapStatistics } from "node:v8";
import { resolveConfig } from "../src/config/config.js";
import { Logger } from "../src/log/logger.js";
import { download, type MediaSource } from "../src/media/media-download.js";
import type { MediaUpload, StoredObject } from "../src/media/media-storage.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { TapState } from "../src/state/tap-state.js";
import { runTap } from "../src/tap/run-tap.js";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "512" },
    small: { type: "string", default: "64" },
    "heap-mb": { type: "string", default: "64" },
    child: { type: "string" },
  },
});

const MB = 1024 * 1024;
const quiet = new Logger(() => {}, "error");

/** A file-backed upload: hashes as bytes pass, writes `<path>.part`, renames it on commit. */
class FileUpload implements MediaUpload {
  readonly offset = 0;
  readonly stream: Writable;
  private readonly file;
  private readonly hash = createHash("sha256");
  private bytes = 0;

  constructor(private readonly path: string) {
    this.file = createWriteStream(`${path}.part`);
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        if (this.file.write(chunk)) done();
        else this.file.once("drain", () => done());
      },
      final: (done) => this.file.end(done),
    });
  }

  async commit(expected: { bytes: number }): Promise<StoredObject> {
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream, { readable: false });
    if (this.bytes !== expected.bytes) throw new Error(`wrote ${this.bytes} bytes, not ${expected.bytes}`);
    await rename(`${this.path}.part`, this.path);
    return { location: this.path, bytes: this.bytes, sha256: this.hash.digest("hex") };
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    this.file.destroy();
    await rm(`${this.path}.part`, { force: true });
  }
}

/** A MediaSource through the API with a bearer token, counting its calls. */
function apiSource(apiUrl: string, token: string, what: string, path: string, field: string) {
  const counted = { calls: 0 };
  const source: MediaSource = {
    what,
    freshUrl: async () => {
      counted.calls += 1;
      const response = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (response.status === 404) return null;
      if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
      return ((await response.json()) as Record<string, string>)[field] ?? null;
    },
  };
  return { source, counted };
}

interface ChildReport {
  bytes: number;
  seconds: number;
  sha256: string;
  heapLimitMb: number;
  baselineRssMb: number;
  peakRssMb: number;
  maxRssMb: number;
  peakHeapUsedMb: number;
  urlRequests: number;
  requests: number;
  resumes: number;
}

/**
 * The kernel's peak RSS of this process (VmHWM), null off Linux. Not resourceUsage().maxRSS: on
 * Linux that carries over the parent's peak from the fork before exec.
 */
function highWaterRssMb(): number | null {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : null;
  } catch {
    return null;
  }
}

/** The child: one download into a file, memory sampled every 20 ms, a JSON report on stdout. */
async function child(args: {
  apiUrl: string;
  token: string;
  sessionId: string;
  file: string;
}): Promise<void> {
  const mb = (n: number) => n / MB;
  globalThis.gc?.();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakHeap = baseline.heapUsed;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 20);
  const { source, counted } = apiSource(
    args.apiUrl,
    args.token,
    `the video of session ${args.sessionId}`,
    `/api/v2/sessionResults/${args.sessionId}/videoDownloadUrl`,
    "videoUrl",
  );
  const started = performance.now();
  const result = await download(source, new FileUpload(args.file), {
    logger: quiet,
    expectedContentType: "video/mp4",
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const report: ChildReport = {
    bytes: result.stored.bytes,
    seconds,
    sha256: result.stored.sha256,
    heapLimitMb: mb(getHeapStatistics().heap_size_limit),
    baselineRssMb: mb(baseline.rss),
    peakRssMb: mb(peakRss),
    maxRssMb: highWaterRssMb() ?? mb(peakRss),
    peakHeapUsedMb: mb(peakHeap),
    urlRequests: counted.calls,
    requests: result.requests,
    resumes: result.resumes,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function token(sandbox: Sandbox): Promise<string> {
  const response = await fetch(sandbox.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: sandbox.client.clientId,
      client_secret: sandbox.client.clientSecret,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);
const failures: string[] = [];

/**
 * videoBytes for a first video of about `targetMb`: a session's size is videoBytes times a
 * factor of its own (0.5 to 1.5, from the seed and its id), read here from a small sandbox.
 */
async function videoBytesFor(targetMb: number): Promise<number> {
  const probe = await startSandbox({ requestsPerMinute: 0, videoBytes: 1_000_000 });
  try {
    const first = probe.data.allSessions().find((s) => s.hasVideo);
    const factor = (probe.data.video(first?.sessionId ?? "") as Buffer).length / 1_000_000;
    return Math.round((targetMb * MB) / factor);
  } finally {
    await probe.close();
  }
}

interface Run extends ChildReport {
  sessionId: string;
  identical: boolean;
  urlCalls: number;
  mediaGets: number;
}

/** One video of about `targetMb` MB downloaded by a child process with a `heapMb` heap. */
async function largeDownload(targetMb: number, heapMb: number): Promise<Run> {
  const sandbox = await startSandbox({
    requestsPerMinute: 0,
    videoBytes: await videoBytesFor(targetMb),
    recordRequests: false,
  });
  const dir = mkdtempSync(join(tmpdir(), "bench-media-"));
  try {
    const sessionId = sandbox.data.allSessions().find((s) => s.hasVideo)?.sessionId ?? "";
    // Generated before the clock starts: the sandbox makes a file on its first request.
    const truth = sandbox.data.video(sessionId) as Buffer;
    const truthSha = createHash("sha256").update(truth).digest("hex");
    const file = join(dir, `${sessionId}.mp4`);
    const args = JSON.stringify({ apiUrl: sandbox.url, token: await token(sandbox), sessionId, file });
    // Asynchronous: the sandbox answers from this process while the child downloads.
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          `--max-old-space-size=${heapMb}`,
          "--expose-gc",
          "--import",
          "tsx",
          fileURLToPath(import.meta.url),
        ].concat(["--child", args]),
        (error, out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(out)),
      ),
    );
    const report = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as ChildReport;
    return {
      ...report,
      sessionId,
      identical: statSync(file).size === truth.length && report.sha256 === truthSha,
      urlCalls: sandbox.counts.get("videoDownloadUrl") ?? 0,
      mediaGets: sandbox.counts.get("media") ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sandbox.close();
  }
}

async function memoryAndThroughput(sizesMb: number[], heapMb: number): Promise<void> {
  console.log(`Part 1: one video streamed into a local file by a child with --max-old-space-size=${heapMb}`);
  console.log(
    "  file MB | heap limit MB | RSS before MB | peak RSS MB (sampled / VmHWM) | peak heap used MB | MB/s  | calls",
  );
  const runs: Run[] = [];
  for (const size of sizesMb) {
    const run = await largeDownload(size, heapMb);
    runs.push(run);
    const fileMb = run.bytes / MB;
    console.log(
      `  ${fixed(fileMb).padStart(7)} | ${fixed(run.heapLimitMb).padStart(13)} | ${fixed(run.baselineRssMb).padStart(13)} | ${`${fixed(run.peakRssMb)} / ${fixed(run.maxRssMb)}`.padStart(30)} | ${fixed(run.peakHeapUsedMb).padStart(17)} | ${fixed(fileMb / run.seconds).padStart(5)} | ${run.urlCalls} URL, ${run.mediaGets} GET, ${run.resumes} resumes; ${run.identical ? "sha256 identical" : "DIFFERS"}`,
    );
    if (!run.identical) failures.push(`the ${fixed(fileMb)} MB file differs from the sandbox's`);
    if (run.urlCalls !== 1) failures.push(`${run.urlCalls} URL requests for one video`);
  }
  const small = runs[0];
  const large = runs[runs.length - 1];
  if (small && large && large !== small) {
    const growth = large.maxRssMb - small.maxRssMb;
    console.log(
      `  peak RSS grows ${fixed(growth)} MB from ${fixed(small.bytes / MB)} MB to ${fixed(large.bytes / MB)} MB of file (${fixed(large.bytes / MB / large.maxRssMb)}x the peak RSS)`,
    );
    if (growth > 32) failures.push(`peak RSS grows ${fixed(growth)} MB with the file`);
  }
}

/**
 * Part 2, through the real engine: a sync of session_videos and highlight_reels from the default
 * sandbox into a local folder (runTap with MediaSync, rate limit off), its API calls by endpoint
 * against the documented minimum: one videoDownloadUrl per video (the probe's own request is
 * reused), one reel list per test that can have video, and per reel a first request (which
 * starts the generation) and, once it is ready, the one that gives its URL; then a second run,
 * which must cost no media call at all.
 */
async function apiCalls(): Promise<void> {
  const sandbox = await startSandbox({ requestsPerMinute: 0, reelGenerationMs: 1500, recordRequests: true });
  const dir = mkdtempSync(join(tmpdir(), "bench-media-sync-"));
  try {
    const config = resolveConfig({
      ...sandbox.tapSettings(),
      requests_per_minute: 100_000,
      media_storage: dir,
      media_concurrency: 4,
    });
    const selection = { streams: new Set(["session_videos", "highlight_reels"]), excluded: new Map() };
    const sync = async (state: TapState) => {
      const before = new Map(sandbox.counts);
      const out = new Writable({ write: (_c, _e, done) => done() });
      const started = Date.now();
      const result = await runTap({ config, selection, state, logger: quiet, out, progress: false });
      const calls = (route: string) => (sandbox.counts.get(route) ?? 0) - (before.get(route) ?? 0);
      return { result, calls, seconds: (Date.now() - started) / 1000 };
    };
    const state = TapState.empty();
    const first = await sync(state);
    const videos = first.result.records.get("session_videos") ?? 0;
    const reelRows = first.result.records.get("highlight_reels") ?? 0;
    const sha = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
    const reels = sandbox.data.tests().flatMap((t) => sandbox.data.highlightReels(t.testId)?.reels ?? []);
    const generated = reels.filter((r) => !r.failsToGenerate);
    const badFiles = generated.filter((r) => {
      const file = readdirSync(join(dir, "reels"), { recursive: true, encoding: "utf8" }).find((f) =>
        f.endsWith(`${r.uuid}.mp4`),
      );
      return (
        !file || sha(readFileSync(join(dir, "reels", file))) !== sha(sandbox.data.reelFile(r.uuid) as Buffer)
      );
    }).length;
    const urlCalls = first.calls("videoDownloadUrl");
    const urlGranted = sandbox.requests.filter(
      (r) => r.route === "videoDownloadUrl" && r.status === 200,
    ).length;
    console.log(
      "\nPart 2: API calls per medium, through the engine (runTap with MediaSync; default sandbox, rate limit off)",
    );
    console.log(
      `  videos   ${videos} stored: ${urlGranted} videoDownloadUrl answers with a URL (minimum ${videos}, ${fixed(urlGranted / Math.max(1, videos), 2)} a video), ${urlCalls - urlGranted} more answered 404 (sessions of tests that may have video but do not), ${first.calls("media")} media GETs in all`,
    );
    console.log(
      `  reels    ${reels.length} (${generated.length} GENERATED, ${reels.length - generated.length} ERROR) in ${first.calls("highlightReels")} reel lists: ${first.calls("highlightReel")} reel requests, ${fixed(first.calls("highlightReel") / Math.max(1, reels.length), 2)} a reel (minimum 2 for one that is generating: the request that starts it, the one that gives its URL; an ERROR reel costs 4: the start and 3 ERROR answers), generation 1.5 s, first poll after 2 s`,
    );
    console.log(
      `  first run ${fixed(first.seconds, 1)} s; ${reelRows} reel rows; files equal to the sandbox's: ${generated.length - badFiles}/${generated.length}`,
    );
    const second = await sync(state);
    console.log(
      `  second run (from the state): ${second.calls("videoDownloadUrl")} URL requests, ${second.calls("highlightReel")} reel requests, ${second.calls("media")} downloads; ${second.calls("highlightReels")} reel lists (the one call a test each run), ${fixed(second.seconds, 1)} s`,
    );
    console.log(
      `  at 10 requests a minute: the first run's ${urlCalls + first.calls("highlightReel") + first.calls("highlightReels")} media calls take about ${fixed((urlCalls + first.calls("highlightReel") + first.calls("highlightReels")) / 10, 1)} min of the budget`,
    );
    if (urlGranted !== videos) failures.push(`${urlGranted} URLs granted for ${videos} videos`);
    if (badFiles > 0) failures.push(`${badFiles} reels differ from the sandbox's`);
    if (second.calls("media") + second.calls("videoDownloadUrl") + second.calls("highlightReel") > 0)
      failures.push("the second run made media calls");
  } finally {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.child) {
  await child(JSON.parse(values.child));
} else {
  await memoryAndThroughput([Number(values.small), Number(values.mb)], Number(values["heap-mb"]));
  await apiCalls();
  if (failures.length > 0) {
    console.error(`\nFAIL: ${failures.join("; ")}`);
    process.exit(1);
  }
}
