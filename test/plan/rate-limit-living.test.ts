import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "../../src/api/endpoints.js";
import { planFor } from "../../src/cli/plan-command.js";
import { resolveConfig } from "../../src/config/config.js";
import { memoryLogger } from "../../src/log/logger.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { TapState } from "../../src/state/tap-state.js";
import { defaultSelection } from "../../src/tap/catalog.js";
import type { Timers } from "../../src/util/timers.js";
import { airbyteConfig, configuredCatalog, runAirbyte } from "../helpers/airbyte.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

/**
 * Living with 10 requests a minute, on virtual time: the clock of a run is the API's pace, six
 * seconds a rate-limited call (what 10 a minute costs), so a time budget, a week of nights and
 * a month of inactivity are simulated without a test ever sleeping.
 */
/** The Results API endpoints the 10 a minute applies to (the sandbox names its routes alike). */
const RATE_LIMITED = Object.values(ENDPOINTS)
  .filter((e) => e.rateLimited)
  .map((e) => e.name);

/** Time that moves six seconds with every rate-limited call the sandbox answers, from `start`. */
function apiPaced(sandbox: Sandbox, start: number): Timers & { offset: number } {
  const calls = () => RATE_LIMITED.reduce((n, route) => n + (sandbox.counts.get(route) ?? 0), 0);
  const clock = {
    offset: 0,
    now: () => start + clock.offset + calls() * 6_000,
    sleep: async () => undefined,
  };
  return clock;
}

const SANDBOX = { workspaces: 2, largeTestSessions: 0 } as const;

describe("the plan", () => {
  it("predicts a nightly run after a full sync exactly, spending no rate-limited call", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const first = await runTapOn(sandbox);
    expect(first.error).toBeUndefined();
    const state = TapState.parse(first.sink.lastState(), "first run");
    const config = resolveConfig({ ...sandbox.tapSettings(), requests_per_minute: 10 });
    const before = new Map(sandbox.counts);
    const plan = await planFor(config, defaultSelection(), state, memoryLogger().logger);
    const spent = RATE_LIMITED.reduce((n, r) => n + (sandbox.counts.get(r) ?? 0) - (before.get(r) ?? 0), 0);
    expect(spent).toBe(0);
    expect(plan.estimated).toBe(false);
    const night = await runTapOn(sandbox, { state: first.sink.lastState() });
    for (const endpoint of RATE_LIMITED) {
      const planned = plan.calls_by_endpoint[endpoint as keyof typeof plan.calls_by_endpoint] ?? 0;
      const made = night.calls(endpoint);
      expect(Math.abs(made - planned), `${endpoint}: planned ${planned}, made ${made}`).toBeLessThanOrEqual(
        Math.ceil(planned * 0.05),
      );
    }
    expect(plan.total_calls).toBeGreaterThan(0);
    expect(plan.minutes).toBeCloseTo(plan.total_calls / 10, 1);
  }, 60_000);

  it("marks what the state cannot know as estimated, with its basis, for a first sync", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const config = resolveConfig({ ...sandbox.tapSettings() });
    const plan = await planFor(config, defaultSelection(), TapState.empty(), memoryLogger().logger);
    expect(plan.estimated).toBe(true);
    expect(plan.tests.never_synced).toBe(plan.tests.results_api);
    expect(plan.estimates.map((e) => e.basis).join("\n")).toMatch(
      /never listed is assumed to have 8 sessions/,
    );
    expect(plan.estimates.map((e) => e.basis).join("\n")).toMatch(/not yet classified is probed/);
    // A full sync costs at least what the plan says of the listings: one per Results API test.
    expect(plan.calls_by_endpoint.sessionResults).toBe(plan.tests.results_api);
  });
});

describe("the time budget and fair order", () => {
  it("stops starting tests past max_run_minutes, ends well with its STATE, and the next run starts with the tests it did not reach", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const timers = apiPaced(sandbox, Date.parse("2026-12-01T02:00:00Z"));
    const first = await runTapOn(sandbox, { config: { max_run_minutes: 20 }, timers });
    expect(first.error).toBeUndefined();
    expect(first.result?.exitCode).toBe(0);
    const left = first.result?.report.budget?.left ?? 0;
    expect(left).toBeGreaterThan(0);
    expect(
      first.logs.some((l) =>
        /Time budget \(max_run_minutes 20\) reached: \d+ test\(s\) left for the next run/.test(l),
      ),
    ).toBe(true);
    const visited = first.result?.report.tests.length ?? 0;
    // Visited no more than 20 minutes of calls, plus the test in flight.
    expect(first.calls("sessionResults")).toBeLessThanOrEqual(visited);
    const state = first.sink.lastState() as { bookmarks: { run?: { unreached: string[] } } };
    const unreached = state.bookmarks.run?.unreached ?? [];
    expect(unreached).toHaveLength(left);
    // The next run visits the unreached tests first, in the same order.
    const second = await runTapOn(sandbox, { state, config: { max_run_minutes: 20 }, timers });
    const order = second.result?.report.tests.map((t) => t.testId) ?? [];
    expect(order.slice(0, Math.min(unreached.length, order.length))).toEqual(
      unreached.slice(0, Math.min(unreached.length, order.length)),
    );
  }, 60_000);

  it("visits the tests with the newest activity first", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const first = await runTapOn(sandbox);
    sandbox.data.advanceEpoch();
    const night = await runTapOn(sandbox, { state: first.sink.lastState() });
    const order = night.result?.report.tests.map((t) => t.testId) ?? [];
    const state = TapState.parse(first.sink.lastState(), "first");
    const finish = (id: string) => Date.parse(state.knownPartition(id)?.replication_key_value ?? "") || 0;
    const withActivity = order.filter((id) => finish(id) > 0);
    expect(withActivity.length).toBeGreaterThan(5);
    for (let i = 1; i < withActivity.length; i++)
      expect(finish(withActivity[i - 1] as string)).toBeGreaterThanOrEqual(finish(withActivity[i] as string));
  }, 60_000);

  it("works the same under the Airbyte front end: the budget stops it, exit 0, and its states carry the unreached tests", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const discovered = (await runAirbyte("discover", { config: airbyteConfig(sandbox) })).of("CATALOG")[0]
      ?.catalog;
    const catalog = configuredCatalog(discovered, { streams: ["tests", "sessions"] });
    const timers = apiPaced(sandbox, Date.parse("2026-12-01T02:00:00Z"));
    const run = await runAirbyte(
      "read",
      { config: airbyteConfig(sandbox, { max_run_minutes: 10 }), catalog },
      { timers },
    );
    expect(run.exitCode).toBe(0);
    expect(run.logs.some((l) => /Time budget/.test(l))).toBe(true);
    const statuses = run.traces("STREAM_STATUS").map((m) => m.trace.stream_status.status);
    expect(statuses.at(-1)).toBe("COMPLETE");
    const tests = run.latestStates().find((s) => s.stream.stream_descriptor.name === "tests");
    const unreached = tests?.stream.stream_state.unreached as string[];
    expect(unreached.length).toBeGreaterThan(0);
    // The next read starts with them.
    const next = await runAirbyte(
      "read",
      { config: airbyteConfig(sandbox, { max_run_minutes: 10 }), catalog, state: run.latestStates() },
      { timers },
    );
    const firstTests = next.records("tests").map((m) => m.record.data.test_id);
    expect(firstTests.slice(0, 3)).toEqual(unreached.slice(0, 3));
  }, 60_000);
});

describe("revisit_inactive_tests_days", () => {
  it("lists a test with no new session for that many days once a week, and sees a reopened test within the week", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const start = Date.parse("2026-11-01T02:00:00Z");
    const timers = apiPaced(sandbox, start);
    const config = { revisit_inactive_tests_days: 14 };
    let state: unknown = (await runTapOn(sandbox, { config, timers })).sink.lastState();
    const listings: number[] = [];
    // A month of nights with no new session at all.
    for (let night = 1; night <= 30; night++) {
      timers.offset = night * 86_400_000;
      const run = await runTapOn(sandbox, { state, config, timers });
      expect(run.error).toBeUndefined();
      listings.push(run.calls("sessionResults"));
      state = run.sink.lastState();
    }
    const everyNight = listings[0] as number;
    // Tests with sessions still unfinished never rest (those may complete any night).
    const known = TapState.parse(state, "night 30");
    const pending = sandbox.data
      .tests()
      .filter((t) => (known.knownPartition(t.testId)?.pending.length ?? 0) > 0).length;
    // Two weeks of nightly listings, then the others once a week.
    expect(listings.slice(0, 13).every((n) => n === everyNight)).toBe(true);
    const lastWeek = listings.slice(-7).reduce((a, b) => a + b, 0);
    expect(lastWeek).toBe(everyNight - pending + 7 * pending);
    expect(lastWeek).toBeLessThan(7 * everyNight * 0.6);
    // The plan shows the saving on a resting night.
    const tapConfig = resolveConfig({ ...sandbox.tapSettings(), ...config });
    const plan = await planFor(
      tapConfig,
      defaultSelection(),
      TapState.parse(state, "night 30"),
      memoryLogger().logger,
      timers.now() + 86_400_000,
    );
    expect(plan.revisit_saving_calls).toBeGreaterThan(0);
    // New sessions arrive: every test is seen within a week.
    sandbox.data.advanceEpoch();
    const seen = new Set<string>();
    for (let night = 31; night <= 37; night++) {
      timers.offset = night * 86_400_000;
      const run = await runTapOn(sandbox, { state, config, timers });
      for (const t of run.result?.report.tests ?? []) if (!t.skippedAsInactive) seen.add(t.testId);
      state = run.sink.lastState();
    }
    const resultsApi = sandbox.data.tests().filter((t) => t.api === "results_api").length;
    expect(seen.size).toBeGreaterThanOrEqual(resultsApi);
  }, 120_000);
});
