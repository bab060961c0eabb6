import { describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

describe.each(["guides", "openapi"] as const)("incremental syncs (%s reading)", (shapes) => {
  it("fetch details only for sessions that completed since the last run, and probe no classified test again", async () => {
    const sandbox = await useSandbox({ apiShapes: shapes });
    const first = await runTapOn(sandbox);
    const before = new Map(sandbox.data.allListedSessions().map((s) => [s.sessionId, s.status]));
    const testsBefore = new Set(sandbox.data.tests().map((t) => t.testId));
    sandbox.data.advanceEpoch();
    const newlyCompleted = sandbox.data
      .allListedSessions()
      .filter((s) => s.status === "completed" && before.get(s.sessionId) !== "completed");
    expect(newlyCompleted.length).toBeGreaterThan(5);

    const second = await runTapOn(sandbox, { state: first.sink.lastState() });
    expect(second.error).toBeUndefined();
    expect(second.calls("sessionDetail")).toBe(newlyCompleted.length);
    expect(new Set(second.sink.records("demographics").map((r) => r.session_id))).toEqual(
      new Set(
        newlyCompleted
          .filter((s) => sandbox.data.sessionDetail(s.sessionId)?.sessionParticipant?.demographicsInfo.length)
          .map((s) => s.sessionId),
      ),
    );
    // Probes (one video call at most each) only for tests new since the last run or unclassified then.
    const unclassifiedBefore = first.sink
      .records("tests")
      .filter((t) => t.api === "results_api" && t.test_type === null).length;
    const newTests = sandbox.data
      .tests()
      .filter((t) => !testsBefore.has(t.testId) && !t.listedWithType).length;
    expect(second.calls("videoDownloadUrl")).toBeLessThanOrEqual(unclassifiedBefore + newTests);
    // Classic tests are known from the state: not even their session listing is asked again.
    const classic = sandbox.data.tests().filter((t) => t.api === "classic").length;
    expect(second.calls("sessionResults")).toBe(sandbox.data.tests().length - classic);
    // Every session the truth has is now in one of the two runs, with its current status.
    const latest = new Map(
      [...first.sink.records("sessions"), ...second.sink.records("sessions")].map((r) => [
        r.session_id,
        r.status,
      ]),
    );
    for (const s of sandbox.data.allListedSessions()) expect(latest.get(s.sessionId)).toBe(s.status);
  });

  it("ask QX scores again only for tests with a newly completed session", async () => {
    const sandbox = await useSandbox({ apiShapes: shapes });
    const first = await runTapOn(sandbox);
    const types = new Map(first.sink.records("tests").map((t) => [t.test_id as string, t.test_type]));
    const before = new Set(
      sandbox.data
        .allListedSessions()
        .filter((s) => s.status === "completed")
        .map((s) => s.sessionId),
    );
    sandbox.data.advanceEpoch();
    const changed = new Set(
      sandbox.data
        .allListedSessions()
        .filter((s) => s.status === "completed" && !before.has(s.sessionId))
        .map((s) => s.testId),
    );
    // Known types that can have QX scores; a test typed only now asks them in its probe, unless
    // its transcript makes it a think-out-loud test first.
    const mayHaveQx = (id: string, type: unknown) =>
      type === "interaction test" ||
      type === "live conversation" ||
      (type === null && sandbox.data.test(id)?.probeTestType !== "think-out-loud test");
    const expected = [...types]
      .filter(([id, type]) => changed.has(id) && mayHaveQx(id, type))
      .map(([id]) => id);
    expect(expected.length).toBeGreaterThan(0);
    const from = sandbox.requests.length;
    const second = await runTapOn(sandbox, { state: first.sink.lastState() });
    expect(second.error).toBeUndefined();
    const asked = sandbox.requests
      .slice(from)
      .filter((r) => r.route === "qxScores")
      .map((r) => r.path.split("/")[4] as string)
      .filter((id) => types.has(id));
    expect(asked.sort()).toEqual(expected.sort());
  });

  it("fetch nothing new when nothing changed: one listing call per Results API test", async () => {
    const sandbox = await useSandbox({ apiShapes: shapes });
    const first = await runTapOn(sandbox);
    const second = await runTapOn(sandbox, { state: first.sink.lastState() });
    expect(second.calls("sessionDetail")).toBe(0);
    expect(second.calls("transcript")).toBe(0);
    expect(second.calls("videoDownloadUrl")).toBe(0);
    // QX scores aggregate sessions: with no new completed session they are not asked again.
    expect(second.calls("qxScores")).toBe(0);
    expect(second.calls("sessionResults")).toBe(
      sandbox.data.tests().filter((t) => t.api === "results_api").length,
    );
    expect(second.sink.records("sessions").every((r) => r.status !== "completed")).toBe(true);
  });
});

describe("incremental syncs", () => {
  it("start from start_date: older sessions are not synced", async () => {
    const sandbox = await useSandbox();
    const startDate = "2026-05-01T00:00:00Z";
    const run = await runTapOn(sandbox, { config: { start_date: startDate } });
    const completed = run.sink.records("sessions").filter((r) => r.status === "completed");
    expect(completed.length).toBeGreaterThan(0);
    expect(completed.every((r) => Date.parse(String(r.finish_time)) > Date.parse(startDate))).toBe(true);
    const expected = sandbox.data
      .allSessions()
      .filter((s) => s.status === "completed" && Date.parse(s.finishTime ?? "") > Date.parse(startDate));
    expect(completed).toHaveLength(expected.length);
  });

  it.each([3, 7, 11])(
    "resume a run killed at a random point (seed %i) and end with every session, details fetched once",
    async (seed) => {
      const sandbox = await useSandbox();
      const full = (await runTapOn(sandbox)).sink.messages.length;
      const detailCalls: number[] = [];
      let state: unknown;
      const emitted = new Map<string, number>();
      let killAt = Math.floor((((seed * 7919) % 97) / 97) * full * 0.5) + 50;
      for (let attempt = 0; attempt < 10; attempt++) {
        const run = await runTapOn(sandbox, { state, failAfter: killAt, stateEvery: 20 });
        detailCalls.push(run.calls("sessionDetail"));
        for (const r of run.sink.records("sessions"))
          if (r.status === "completed")
            emitted.set(String(r.session_id), (emitted.get(String(r.session_id)) ?? 0) + 1);
        state = run.sink.lastState() ?? state;
        if (!run.error) break;
        killAt = Math.floor(killAt * 1.7);
      }
      const completed = sandbox.data.allSessions().filter((s) => s.status === "completed");
      for (const s of completed) expect(emitted.has(s.sessionId), s.sessionId).toBe(true);
      // At-least-once: only sessions emitted after the last STATE before a kill come again, at most 20 per kill.
      const repeats = [...emitted.values()].filter((n) => n > 1).length;
      expect(repeats).toBeLessThanOrEqual(20 * (detailCalls.length - 1));
      expect(detailCalls.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(
        completed.length + 20 * (detailCalls.length - 1),
      );
      expect(detailCalls.length).toBeGreaterThan(1);
    },
  );
});

describe("stream selection", () => {
  const unlisted = (sandbox: Awaited<ReturnType<typeof useSandbox>>) =>
    sandbox.data.tests().filter((t) => t.api === "results_api" && !t.listedWithType).length;

  it.each<[string[], (s: Awaited<ReturnType<typeof useSandbox>>) => Record<string, [number, number]>]>([
    [["workspaces"], () => ({ workspaces: [1, 1], workspace: [0, 0], sessionResults: [0, 0] })],
    [["tests"], (s) => ({ sessionDetail: [0, 0], transcript: [0, unlisted(s)], qxScores: [0, unlisted(s)] })],
    [["transcripts"], () => ({ sessionDetail: [0, 0] })],
    [["sessions", "tasks"], () => ({ transcript: [0, 0], qxScores: [0, 0], videoDownloadUrl: [0, 0] })],
  ])("costs no call for streams not selected (%j)", async (streams, bounds) => {
    const sandbox = await useSandbox();
    const run = await runTapOn(sandbox, { streams });
    expect(run.error).toBeUndefined();
    for (const [route, [min, max]] of Object.entries(bounds(sandbox))) {
      expect(run.calls(route), route).toBeGreaterThanOrEqual(min);
      expect(run.calls(route), route).toBeLessThanOrEqual(max);
    }
    const emittedStreams = new Set(run.sink.messages.flatMap((m) => ("stream" in m ? [m.stream] : [])));
    expect(emittedStreams).toEqual(new Set(streams));
  });
});
