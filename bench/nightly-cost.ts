/**
 * What a night costs after a month, with and without revisit_inactive_tests_days: the sandbox's
 * default data, a full sync, then 30 nights of its simulated activity (one epoch a night: new
 * sessions on active tests, sessions completing), each night an incremental sync of the default
 * streams from the state before. Calls are the Results API's rate-limited ones; minutes are at
 * the API's 10 a minute; the floor is one call per session that completed that night (its
 * details: nothing can fetch them for less). The run's clock is virtual (a day a night, six
 * seconds a call), so the month takes seconds. A second month has no new session at all (every
 * test finished): there the setting's weekly listing shows, against a listing a test a night.
 *
 *   npm run bench:nightly [-- --nights 30 --revisit-days 14]
 */
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { ENDPOINTS } from "../src/api/endpoints.js";
import { resolveConfig } from "../src/config/config.js";
import { Logger } from "../src/log/logger.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { TapState } from "../src/state/tap-state.js";
import { defaultSelection } from "../src/tap/catalog.js";
import { runTap } from "../src/tap/run-tap.js";

const { values } = parseArgs({
  options: {
    nights: { type: "string", default: "30" },
    "revisit-days": { type: "string", default: "14" },
  },
});
const NIGHTS = Number(values.nights);
const REVISIT_DAYS = Number(values["revisit-days"]);
const DAY = 86_400_000;
/** The Results API endpoints the 10 a minute applies to (the sandbox names its routes alike). */
const RATE_LIMITED = Object.values(ENDPOINTS)
  .filter((e) => e.rateLimited)
  .map((e) => e.name);
const quiet = new Logger(() => undefined, "error");

const calls = (sandbox: Sandbox) => RATE_LIMITED.reduce((n, r) => n + (sandbox.counts.get(r) ?? 0), 0);
const completed = (sandbox: Sandbox) =>
  new Set(
    sandbox.data
      .allListedSessions()
      .filter((s) => s.status === "completed")
      .map((s) => s.sessionId),
  );

interface Night {
  calls: number;
  floor: number;
}

/** A month of nights from the same seed, with the given revisit setting. */
async function month(revisitDays: number | null, noActivity = false): Promise<Night[]> {
  const sandbox = await startSandbox({ requestsPerMinute: 0, recordRequests: false });
  try {
    let night = 0;
    const start = Date.parse("2026-11-01T02:00:00Z");
    const timers = { now: () => start + night * DAY + calls(sandbox) * 6_000, sleep: async () => undefined };
    const config = resolveConfig({
      ...sandbox.tapSettings(),
      requests_per_minute: 100_000,
      ...(revisitDays ? { revisit_inactive_tests_days: revisitDays } : {}),
    });
    let state = TapState.empty();
    const sync = async () => {
      const out = new Writable({ write: (_c, _e, done) => done() });
      await runTap({
        config,
        selection: defaultSelection(),
        state,
        logger: quiet,
        out,
        progress: false,
        client: { timers },
      });
    };
    await sync();
    const nights: Night[] = [];
    for (night = 1; night <= NIGHTS; night++) {
      const before = completed(sandbox);
      if (!noActivity) sandbox.data.advanceEpoch();
      const fresh = [...completed(sandbox)].filter((id) => !before.has(id)).length;
      const callsBefore = calls(sandbox);
      // The state after each run is the one the next starts from (runTap updates it in place).
      state = TapState.parse(state.toJSON(), `night ${night}`);
      await sync();
      nights.push({ calls: calls(sandbox) - callsBefore, floor: fresh });
    }
    return nights;
  } finally {
    await sandbox.close();
  }
}

const minutes = (n: number) => (n / 10).toFixed(1);
const started = Date.now();
const without = await month(null);
const withRevisit = await month(REVISIT_DAYS);
console.log(
  `Nightly cost of the sandbox's default data, ${NIGHTS} simulated nights after a full sync (rate-limited calls; minutes at 10 a minute; floor: one call per session completed that night)\n`,
);
console.log(`night | every test every night | revisit_inactive_tests_days ${REVISIT_DAYS} | floor`);
for (const n of [1, 7, 14, 15, 21, 28, NIGHTS].filter((n, i, all) => n <= NIGHTS && all.indexOf(n) === i)) {
  const a = without[n - 1] as Night;
  const b = withRevisit[n - 1] as Night;
  console.log(
    `${String(n).padStart(5)} | ${String(a.calls).padStart(5)} calls, ${minutes(a.calls).padStart(5)} min | ${String(b.calls).padStart(5)} calls, ${minutes(b.calls).padStart(5)} min | ${String(a.floor).padStart(5)}`,
  );
}
const lastWeek = (nights: Night[]) =>
  nights.slice(-7).reduce((s, n) => s + n.calls, 0) / Math.min(7, nights.length);
const floorWeek = without.slice(-7).reduce((s, n) => s + n.floor, 0) / Math.min(7, without.length);
console.log(
  `\nLast week's average night: ${lastWeek(without).toFixed(1)} calls (${minutes(lastWeek(without))} min) every night; ${lastWeek(withRevisit).toFixed(1)} calls (${minutes(lastWeek(withRevisit))} min) with revisit_inactive_tests_days ${REVISIT_DAYS} (${((1 - lastWeek(withRevisit) / lastWeek(without)) * 100).toFixed(0)}% fewer); floor ${floorWeek.toFixed(1)} calls. Ratio to the floor: ${(lastWeek(without) / Math.max(1, floorWeek)).toFixed(2)} and ${(lastWeek(withRevisit) / Math.max(1, floorWeek)).toFixed(2)}.`,
);
const quietWithout = await month(null, true);
const quietWith = await month(REVISIT_DAYS, true);
console.log(
  `\nA quiet month (no new session after the full sync): last week's average night ${lastWeek(quietWithout).toFixed(1)} calls (${minutes(lastWeek(quietWithout))} min) every night; ${lastWeek(quietWith).toFixed(1)} calls (${minutes(lastWeek(quietWith))} min) with revisit_inactive_tests_days ${REVISIT_DAYS} (${((1 - lastWeek(quietWith) / Math.max(1, lastWeek(quietWithout))) * 100).toFixed(0)}% fewer; the tests still listed nightly are those with sessions unfinished, which may complete any night). The floor is 0.`,
);
console.log(`Bench: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
