import { describe, expect, it } from "vitest";
import { ManualClock, type Sandbox } from "../../src/sandbox/index.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runVendorWorkflow, type VendorState } from "../helpers/vendor-reference-workflow.js";

/** Runs the vendor's reference workflow against the sandbox on its manual clock: sleeping moves the clock. */
function run(
  sandbox: Sandbox,
  clock: ManualClock,
  extra: { intervalSeconds?: number; state?: VendorState } = {},
) {
  return runVendorWorkflow({
    apiBase: sandbox.url,
    tokenUrl: sandbox.tokenUrl,
    clientId: sandbox.client.clientId,
    clientSecret: sandbox.client.clientSecret,
    now: () => clock.now(),
    sleep: async (ms) => clock.advance(ms),
    ...extra,
  });
}

/** One workspace with one of every kind of test, at the documented limit, on a manual clock. */
async function oneWorkspace() {
  const clock = new ManualClock();
  const sandbox = await useSandbox({ clock, requestsPerMinute: 10, workspaces: 1, largeWorkspaceTests: 14 });
  return { clock, sandbox };
}

describe("the vendor's reference workflow (classify-tests-by-type.txt) against the sandbox", () => {
  it("runs at the documented 10 a minute with its 6-second spacing, without one 429, and agrees with the truth", async () => {
    const clock = new ManualClock();
    // A token lifetime shorter than the run, so the script's refresh-before-expiry path runs too.
    const sandbox = await useSandbox({ clock, requestsPerMinute: 10, tokenTtlSeconds: 900 });
    const report = await run(sandbox, clock);
    expect(report.calls.filter((c) => c.status === 429)).toEqual([]);
    expect(report.state.errors).toEqual({});
    expect(report.tokenRequests).toBeGreaterThan(1);

    const tests = sandbox.data.tests();
    expect(new Set(report.state.classic.map((r) => r.test_uuid))).toEqual(
      new Set(tests.filter((t) => t.api === "classic").map((t) => t.testId)),
    );
    expect(new Set(report.state.utz.map((r) => r.test_uuid))).toEqual(
      new Set(tests.filter((t) => t.api === "results_api").map((t) => t.testId)),
    );
    for (const record of report.state.utz) {
      expect(record.test_type ?? null).toBe(sandbox.data.vendorScriptTestType(record.test_uuid));
      const truth = sandbox.data.test(record.test_uuid);
      expect(record.workspace_uuid).toBe(truth?.workspaceId);
    }
    // Where the newest session is finished, the script's answer is the test's probe type, but for
    // live conversations: it looks at video before transcripts, so it calls them interaction tests.
    const finishedNewest = report.state.utz.filter(
      (r) => sandbox.data.sessions(r.test_uuid)?.[0]?.status === "completed",
    );
    for (const record of finishedNewest) {
      const truth = sandbox.data.test(record.test_uuid);
      const expected = truth?.testType === "live conversation" ? "interaction test" : truth?.probeTestType;
      expect(record.test_type).toBe(expected);
    }
    expect(report.stats.classicut).toBe(report.state.classic.length);
  });

  it("gets in after a 429 by waiting the Retry-After the sandbox sends", async () => {
    const { clock, sandbox } = await oneWorkspace();
    // Spacing requests 4 s apart runs into the limit; the script's single retry must then succeed.
    const report = await run(sandbox, clock, { intervalSeconds: 4 });
    expect(report.calls.filter((c) => c.status === 429).length).toBeGreaterThan(0);
    expect(report.state.errors).toEqual({});
  });

  it("on a later run, classifies only new tests and tests that had no sessions", async () => {
    const { clock, sandbox } = await oneWorkspace();
    const first = await run(sandbox, clock);
    const unclassified = first.state.utz.filter((r) => !r.test_type).map((r) => r.test_uuid);
    expect(unclassified.length).toBeGreaterThan(0);

    sandbox.data.advanceEpoch();
    const second = await run(sandbox, clock, { state: first.state });
    // A 429 and its retry are one probe: the second run starts while the first run's calls are still in the window.
    const probed = second.calls.filter((c) => c.path === "/api/v2/sessionResults/" && c.status !== 429);
    const newTests = sandbox.data.tests().length - first.state.utz.length - first.state.classic.length;
    expect(probed.length).toBe(unclassified.length + newTests);
    const nowClassified = second.state.utz.filter((r) => unclassified.includes(r.test_uuid) && r.test_type);
    expect(nowClassified.length).toBeGreaterThan(0);
    const classifiedFirst = new Map(
      first.state.utz.filter((r) => r.test_type).map((r) => [r.test_uuid, r.test_type]),
    );
    for (const r of second.state.utz) {
      // A test classified once keeps that answer, even one made from an unfinished session.
      const expected = classifiedFirst.get(r.test_uuid) ?? sandbox.data.vendorScriptTestType(r.test_uuid);
      expect(r.test_type ?? null).toBe(expected ?? null);
    }
  });
});

describe("the automated pipeline of automated-warehouse-pipeline.txt against the sandbox", () => {
  it("pages sessions by totalCount and reads every detail and transcript the truth has", async () => {
    const sandbox = await useSandbox();
    const token = sandbox.issueToken();
    const get = (path: string) =>
      fetch(`${sandbox.url}${path}`, {
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      });
    const test = sandbox.data
      .tests()
      .find((t) => t.hasTranscripts && (sandbox.data.sessions(t.testId)?.length ?? 0) > 3);
    const pageSize = 2;
    const sessions: Array<{ sessionId: string }> = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = (await (
        await get(`/api/v2/sessionResults?testId=${test?.testId}&limit=${pageSize}&offset=${offset}`)
      ).json()) as {
        sessions: Array<{ sessionId: string }>;
        meta: { pagination: { totalCount: number } };
      };
      sessions.push(...page.sessions);
      if (offset + pageSize >= page.meta.pagination.totalCount) break;
    }
    expect(sessions.map((s) => s.sessionId)).toEqual(
      sandbox.data.sessions(test?.testId ?? "")?.map((s) => s.sessionId),
    );
    for (const { sessionId } of sessions) {
      const details = await get(`/api/v3/sessionResults/${sessionId}`);
      expect(await details.json()).toEqual(sandbox.data.sessionDetail(sessionId));
      const transcript = await get(`/api/v2/sessionResults/${sessionId}/transcript`);
      const truth = sandbox.data.transcript(sessionId);
      expect(transcript.status).toBe(truth ? 200 : 404);
      // Bytes, not text(): text() would drop a byte-order mark the truth keeps.
      if (truth) expect(Buffer.from(await transcript.arrayBuffer()).toString("utf8")).toBe(truth.vtt);
    }
  });
});
