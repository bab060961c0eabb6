/**
 * API calls the tap spends, against the fewest the documents allow, and against the vendor's
 * reference workflow for the classification-only job.
 *
 *   npm run bench:tap
 *
 * Part 1: a full sync of the default sandbox data under each reading of the vendor's documents
 * (the guides' and the OpenAPI's shapes), with the default streams and then with every stream.
 * The minimum is computed from the sandbox's ground truth with the documents' rules: list
 * studies until an empty page; a test the listing types as classic needs nothing more; list
 * sessions 500 at a time (404 marks an untyped classic test); one v3 detail per completed
 * session; QX scores and transcripts only where the test type can have them
 * (classify-tests-by-type.txt, step 3); for a test the listing does not type, the probe on its
 * newest completed session, asking first what the sync needs anyway; with every stream, clips
 * of every completed session and the reel list of every test that can have video.
 * Part 2: classification only (the `tests` stream), first run and a run a day later, against
 * identify-and-classify-tests.py ported call for call (test/helpers/vendor-reference-workflow.ts).
 */
import { Writable } from "node:stream";
import { resolveConfig } from "../src/config/config.js";
import { Logger } from "../src/log/logger.js";
import { ManualClock, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { TapState } from "../src/state/tap-state.js";
import { STREAMS } from "../src/streams/registry.js";
import { defaultSelection } from "../src/tap/catalog.js";
import { runTap } from "../src/tap/run-tap.js";
import { runVendorWorkflow, type VendorState } from "../test/helpers/vendor-reference-workflow.js";

const quiet = new Logger(() => {}, "error");
const ROUTES = [
  "workspaces",
  "workspace",
  "sessionResults",
  "sessionDetail",
  "transcript",
  "qxScores",
  "videoDownloadUrl",
  "clips",
  "highlightReels",
];

class StateCatcher extends Writable {
  state: unknown;
  tests = new Map<string, Record<string, unknown>>();
  override _write(chunk: Buffer, _e: BufferEncoding, done: () => void) {
    for (const line of chunk.toString().split("\n")) {
      if (line.includes('"type":"STATE"')) this.state = JSON.parse(line).value;
      if (line.includes('"stream":"tests"') && line.includes('"RECORD"')) {
        const record = JSON.parse(line).record;
        this.tests.set(record.test_id, record);
      }
    }
    done();
  }
}

async function tapRun(sandbox: Sandbox, streams: string[] | null, state: unknown) {
  const before = new Map(sandbox.counts);
  const out = new StateCatcher();
  const config = resolveConfig({
    ...sandbox.tapSettings(),
    requests_per_minute: 100_000,
  });
  await runTap({
    config,
    selection: streams ? { streams: new Set(streams), excluded: new Map() } : defaultSelection(),
    state: state ? TapState.parse(state, "bench") : TapState.empty(),
    logger: quiet,
    out,
    progress: false,
  });
  const calls = Object.fromEntries(
    ROUTES.map((r) => [r, (sandbox.counts.get(r) ?? 0) - (before.get(r) ?? 0)]),
  );
  return { calls, state: out.state, tests: out.tests };
}

/**
 * The fewest calls the documents allow for a full sync, from the sandbox's truth. A test the
 * listing types as classic needs no call; one the listing does not type is probed on its newest
 * completed session: the transcript first (the sync needs it anyway), then QX scores, then video.
 */
function minimumCalls(sandbox: Sandbox, withMedia: boolean): Record<string, number> {
  const data = sandbox.data;
  const min: Record<string, number> = Object.fromEntries(ROUTES.map((r) => [r, 0]));
  min.workspaces = 1;
  for (const w of data.workspaces())
    min.workspace = (min.workspace ?? 0) + Math.ceil((data.studies(w.uuid)?.length ?? 0) / 50) + 1;
  const add = (route: string, n: number) => {
    min[route] = (min[route] ?? 0) + n;
  };
  for (const test of data.tests()) {
    const sessions = data.listedSessions(test.testId);
    if (!sessions) {
      if (test.listingType === null) add("sessionResults", 1);
      continue;
    }
    add("sessionResults", Math.max(1, Math.ceil(sessions.length / 500)));
    const completed = sessions.filter((s) => s.status === "completed");
    add("sessionDetail", completed.length);
    const typed = test.listedWithType ? test.testType : completed.length > 0 ? test.probeTestType : null;
    // Media: clips of every completed session and reels of every test that can have video.
    if (withMedia && typed !== "survey") {
      add("highlightReels", 1);
      add("clips", completed.length);
    }
    if (completed.length === 0) continue;
    const newest = completed[0]?.sessionId ?? "";
    if (test.listedWithType) {
      if (test.testType === "think-out-loud test" || test.testType === "live conversation")
        add("transcript", completed.length);
      if (test.testType === "interaction test" || test.testType === "live conversation") add("qxScores", 1);
      continue;
    }
    if (data.transcript(newest) !== undefined) {
      add("transcript", completed.length);
      continue;
    }
    add("transcript", 1);
    add("qxScores", 1);
    if (data.qxScores(test.testId) === undefined) add("videoDownloadUrl", 1);
  }
  return min;
}

// ---- Part 1 ------------------------------------------------------------------------------------
for (const shapes of ["guides", "openapi"] as const) {
  for (const withMedia of [false, true]) {
    const sandbox = await startSandbox({ requestsPerMinute: 0, recordRequests: false, apiShapes: shapes });
    const minimum = minimumCalls(sandbox, withMedia);
    const started = Date.now();
    const { calls } = await tapRun(sandbox, withMedia ? STREAMS.map((s) => s.name) : null, undefined);
    const elapsed = (Date.now() - started) / 1000;
    console.log(
      `\nfull sync of the default sandbox data, ${shapes} reading, ${withMedia ? "every stream (clips and highlight_reels too)" : "default streams"} (rate limit off)`,
    );
    console.log("endpoint               calls   minimum   ratio");
    let total = 0;
    let totalMin = 0;
    for (const route of ROUTES) {
      total += calls[route] ?? 0;
      totalMin += minimum[route] ?? 0;
      const ratio = minimum[route] ? ((calls[route] ?? 0) / (minimum[route] ?? 1)).toFixed(3) : "-";
      console.log(
        `${route.padEnd(20)} ${String(calls[route]).padStart(7)} ${String(minimum[route]).padStart(9)} ${ratio.padStart(7)}`,
      );
    }
    const limited = total - (calls.workspaces ?? 0) - (calls.workspace ?? 0);
    console.log(
      `${"total".padEnd(20)} ${String(total).padStart(7)} ${String(totalMin).padStart(9)} ${(total / totalMin).toFixed(3).padStart(7)}`,
    );
    const classicListed = sandbox.data
      .tests()
      .filter((t) => t.api === "classic" && t.listingType !== null).length;
    console.log(
      `took ${elapsed.toFixed(1)} s here; its ${limited} Results API calls take ${(limited / 10 / 60).toFixed(1)} h at the API's 10 a minute; ${classicListed} classic tests typed by the listing cost 0 calls`,
    );
    await sandbox.close();
  }
}

// ---- Part 2 ------------------------------------------------------------------------------------
{
  const clock = new ManualClock();
  // The vendor's script parses the guides' {studies: [...]}: it runs against that reading.
  const vendorBox = await startSandbox({
    clock,
    requestsPerMinute: 10,
    recordRequests: true,
    apiShapes: "guides",
  });
  const tapBox = await startSandbox({ requestsPerMinute: 0, recordRequests: false, apiShapes: "guides" });
  const runVendor = (state?: VendorState) =>
    runVendorWorkflow({
      apiBase: vendorBox.url,
      tokenUrl: vendorBox.tokenUrl,
      clientId: vendorBox.client.clientId,
      clientSecret: vendorBox.client.clientSecret,
      now: () => clock.now(),
      sleep: async (ms) => clock.advance(ms),
      state,
    });
  const correct = (box: Sandbox, typeOf: (testId: string) => string | null | undefined) => {
    const results = box.data
      .tests()
      .filter((t) => t.api === "results_api" && (box.data.sessions(t.testId)?.length ?? 0) > 0);
    return `${results.filter((t) => typeOf(t.testId) === t.testType).length}/${results.length}`;
  };
  const limitedCalls = (calls: Array<{ path: string }>) =>
    calls.filter((c) => c.path.startsWith("/api/")).length;

  const v1 = await runVendor();
  const vendorTypes1 = new Map(v1.state.utz.map((r) => [r.test_uuid, r.test_type]));
  const t1 = await tapRun(tapBox, ["tests"], undefined);
  const tapLimited1 =
    (t1.calls.sessionResults ?? 0) +
    (t1.calls.qxScores ?? 0) +
    (t1.calls.videoDownloadUrl ?? 0) +
    (t1.calls.transcript ?? 0);
  vendorBox.data.advanceEpoch();
  tapBox.data.advanceEpoch();
  const v2 = await runVendor(v1.state);
  const t2 = await tapRun(tapBox, ["tests"], t1.state);
  const tapLimited2 =
    (t2.calls.sessionResults ?? 0) +
    (t2.calls.qxScores ?? 0) +
    (t2.calls.videoDownloadUrl ?? 0) +
    (t2.calls.transcript ?? 0);
  console.log(
    "\nclassification only (guides reading): Results API calls, and tests with sessions typed as in the UserTesting UI",
  );
  console.log("                         first run   a day later   correctly typed (first run)");
  console.log(
    `vendor reference script  ${String(limitedCalls(v1.calls)).padStart(9)}   ${String(limitedCalls(v2.calls)).padStart(11)}   ${correct(vendorBox, (id) => vendorTypes1.get(id))}`,
  );
  console.log(
    `tap-usertesting (tests)  ${String(tapLimited1).padStart(9)}   ${String(tapLimited2).padStart(11)}   ${correct(tapBox, (id) => t1.tests.get(id)?.test_type as string | null)}`,
  );
  console.log(
    `ratio tap / vendor       ${(tapLimited1 / limitedCalls(v1.calls)).toFixed(3).padStart(9)}   ${(tapLimited2 / limitedCalls(v2.calls)).toFixed(3).padStart(11)}`,
  );
  console.log(
    "(a test the listing types costs the tap no call; the vendor's script cannot name live conversations, and types a test by its newest session even when unfinished)",
  );
  await vendorBox.close();
  await tapBox.close();
}
