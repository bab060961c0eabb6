import { describe, expect, it } from "vitest";
import { SandboxDataset } from "../../src/sandbox/index.js";

describe("the sandbox dataset", () => {
  it("is the same for the same seed and different for another", () => {
    const a = new SandboxDataset({ seed: 7 });
    const b = new SandboxDataset({ seed: 7 });
    const c = new SandboxDataset({ seed: 8 });
    expect(b.tests()).toEqual(a.tests());
    expect(b.allSessions()).toEqual(a.allSessions());
    const session = a.allSessions().find((s) => s.status === "completed");
    expect(session).toBeDefined();
    expect(b.sessionDetail(session?.sessionId ?? "")).toEqual(a.sessionDetail(session?.sessionId ?? ""));
    expect(c.tests().map((t) => t.testId)).not.toEqual(a.tests().map((t) => t.testId));
  });

  it("has every kind of test the documents name, in every workspace of twelve or more tests", () => {
    const data = new SandboxDataset();
    for (const workspace of data.workspaces()) {
      const tests = data.tests().filter((t) => t.workspaceId === workspace.uuid);
      const types = new Set(tests.map((t) => t.testType));
      expect(types).toEqual(
        new Set(["survey", "interaction test", "think-out-loud test", "live conversation", null]),
      );
      expect(tests.some((t) => t.api === "classic")).toBe(true);
      expect(tests.some((t) => t.api === "results_api" && data.sessions(t.testId)?.length === 0)).toBe(true);
    }
    const tests = data.tests();
    expect(tests.some((t) => t.hasVideo && t.hasQxScores)).toBe(true);
    expect(tests.some((t) => t.hasVideo && !t.hasQxScores)).toBe(true);
    expect(tests.some((t) => !t.hasVideo && t.hasQxScores)).toBe(true);
    expect(tests.some((t) => t.api === "results_api" && !t.listedWithType)).toBe(true);
    expect(tests.some((t) => t.api === "results_api" && t.listedWithType)).toBe(true);
    expect(tests.filter((t) => t.api === "classic").every((t) => !t.listedWithType)).toBe(true);
  });

  it("forces both paging schemes: over 50 tests in a workspace and over 500 sessions in a test", () => {
    const data = new SandboxDataset();
    const [first] = data.workspaces();
    expect(data.studies(first?.uuid ?? "")?.length).toBe(55);
    const largest = Math.max(...data.tests().map((t) => data.sessions(t.testId)?.length ?? 0));
    expect(largest).toBe(620);
    const huge = new SandboxDataset({ hugeTestSessions: 10_600 });
    expect(Math.max(...huge.tests().map((t) => huge.sessions(t.testId)?.length ?? 0))).toBe(10_600);
  });

  it("lists studies newest first with positional cursors, like the documented sample", () => {
    const data = new SandboxDataset();
    const studies = data.studies(data.workspaces()[0]?.uuid ?? "") ?? [];
    expect(studies[0]?.cursor).toBe("MQ");
    const orderedAt = studies.map((s) => Date.parse(s.orderedAt));
    expect(orderedAt).toEqual([...orderedAt].sort((a, b) => b - a));
    for (const study of studies) {
      if (study.type !== undefined) expect(study.type).toBe("STUDYV2");
      expect(study.uuid).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("lists sessions newest first, with sessions that are not completed among them", () => {
    const data = new SandboxDataset();
    const statuses = new Set(data.allSessions().map((s) => s.status));
    expect(statuses).toEqual(new Set(["completed", "in_progress", "abandoned"]));
    for (const test of data.tests()) {
      const starts = (data.sessions(test.testId) ?? []).map((s) => Date.parse(s.startTime));
      expect(starts).toEqual([...starts].sort((a, b) => b - a));
    }
    for (const s of data.allSessions()) {
      expect(s.finishTime === null).toBe(s.status !== "completed");
      if (s.finishTime) expect(Date.parse(s.finishTime)).toBeGreaterThan(Date.parse(s.startTime));
    }
  });

  it("serves media only where the test type has it, and only for completed sessions", () => {
    const data = new SandboxDataset();
    for (const test of data.tests()) {
      for (const s of data.sessions(test.testId) ?? []) {
        if (!test.hasVideo || s.status !== "completed") expect(data.video(s.sessionId)).toBeUndefined();
        if (!test.hasTranscripts || s.status !== "completed")
          expect(data.transcript(s.sessionId)).toBeUndefined();
      }
      if (!test.hasQxScores) expect(data.qxScores(test.testId)).toBeUndefined();
    }
    const withVideo = data.allSessions().find((s) => s.hasVideo);
    expect(
      data
        .video(withVideo?.sessionId ?? "")
        ?.subarray(4, 8)
        .toString(),
    ).toBe("ftyp");
  });

  it("gives v3 details with nulls where the documents allow them and non-ASCII text", () => {
    const data = new SandboxDataset();
    const details = data.allSessions().map((s) => data.sessionDetail(s.sessionId));
    expect(details.every((d) => d !== undefined)).toBe(true);
    expect(details.some((d) => d?.sessionParticipant === null)).toBe(true);
    expect(details.some((d) => d?.sessionParticipant?.participantId === null)).toBe(true);
    expect(details.some((d) => d?.audienceId === null)).toBe(true);
    expect(details.some((d) => d?.testPlanId === null)).toBe(true);
    expect(details.some((d) => d?.tasks.some((t) => t.response === null))).toBe(true);
    expect(details.some((d) => d?.tasks.some((t) => t.response?.skipped && t.response.answer === null))).toBe(
      true,
    );
    const taskTypes = new Set(details.flatMap((d) => d?.tasks.map((t) => t.type) ?? []));
    expect(taskTypes.size).toBeGreaterThanOrEqual(7);
    const groupTypes = new Set(details.flatMap((d) => d?.taskGroups.map((g) => g.type) ?? []));
    expect(groupTypes).toEqual(new Set(["QX_SCORE", "BALANCED_COMPARISON"]));
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for any byte above ASCII
    expect(details.some((d) => /[^\u0000-\u007f]/.test(JSON.stringify(d)))).toBe(true);
  });

  it("knows what the vendor's script concludes when the newest session is still in progress", () => {
    const data = new SandboxDataset();
    const fooled = data
      .tests()
      .filter((t) => t.api === "results_api" && data.sessions(t.testId)?.[0]?.status === "in_progress")
      .filter((t) => t.probeTestType !== null && data.vendorScriptTestType(t.testId) !== t.probeTestType);
    // Think-out-loud and video-only interaction tests look like surveys to a probe of an unfinished session.
    expect(fooled.map((t) => data.vendorScriptTestType(t.testId))).toContain("survey");
    expect(fooled.map((t) => t.testType)).toEqual(
      expect.arrayContaining(["think-out-loud test", "interaction test"]),
    );
    const unclassifiable = data.tests().filter((t) => t.api === "results_api" && t.probeTestType === null);
    expect(unclassifiable.some((t) => (data.sessions(t.testId)?.length ?? 0) > 0)).toBe(true);
  });

  it("moves forward a day at a time: sessions complete, new ones arrive, waiting tests get their first", () => {
    const data = new SandboxDataset();
    const before = new Map(data.allSessions().map((s) => [s.sessionId, s]));
    const waiting = data
      .tests()
      .filter((t) => t.api === "results_api" && data.sessions(t.testId)?.length === 0);
    const testsBefore = data.tests().length;
    data.advanceEpoch();
    expect(data.epoch).toBe(1);
    const after = data.allSessions();
    const completedNow = after.filter(
      (s) => before.get(s.sessionId)?.status === "in_progress" && s.status === "completed",
    );
    expect(completedNow.length).toBeGreaterThan(0);
    for (const s of completedNow)
      expect(Date.parse(s.finishTime ?? "")).toBeGreaterThan(data.now - 86_400_000);
    expect(after.filter((s) => !before.has(s.sessionId)).length).toBeGreaterThan(0);
    expect(waiting.some((t) => (data.sessions(t.testId)?.length ?? 0) > 0)).toBe(true);
    expect(waiting.some((t) => data.sessions(t.testId)?.length === 0)).toBe(true);
    expect(data.tests().length).toBe(testsBefore + 1);
    // Sessions never disappear and completed ones never change.
    for (const [id, s] of before) {
      if (s.status === "completed") expect(after.find((a) => a.sessionId === id)).toEqual(s);
    }
    expect(new SandboxDataset({ epoch: 1 }).allSessions()).toEqual(after);
  });

  it("adds sessions on demand as the newest of a test", () => {
    const data = new SandboxDataset();
    const test = data.tests().find((t) => (data.sessions(t.testId)?.length ?? 0) > 3);
    const added = data.addSessions(test?.testId ?? "", 3);
    const sessions = data.sessions(test?.testId ?? "") ?? [];
    expect(sessions.slice(0, 3).map((s) => s.sessionId)).toEqual(added.map((s) => s.sessionId).reverse());
    expect(() => data.addSessions("not-a-test", 1)).toThrow(/not a Results API test/);
  });

  it("marks one highlight reel in four as failing, so there is always an ERROR to handle", () => {
    const data = new SandboxDataset();
    const reels = data.tests().flatMap((t) => data.highlightReels(t.testId)?.reels ?? []);
    expect(reels.length).toBeGreaterThan(4);
    expect(reels.some((r) => r.failsToGenerate)).toBe(true);
    expect(reels.some((r) => !r.failsToGenerate)).toBe(true);
  });
});
