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
    // Classic tests are listed with their format wherever the workspace lists types at all.
    const third = data.workspaces()[2]?.uuid;
    for (const t of tests.filter((t) => t.api === "classic"))
      expect(t.listedWithType).toBe(t.workspaceId !== third);
    expect(tests.filter((t) => t.workspaceId === third).every((t) => !t.listedWithType)).toBe(true);
  });

  it("lists each test's type and product type exactly as the truth has them, classic ones included", () => {
    const data = new SandboxDataset({ apiShapes: "guides" });
    const classic = { "Web Test": "WEB", "Prototype Test": "PROTOTYPE", "App Test": "APP" };
    for (const workspace of data.workspaces()) {
      for (const study of data.studies(workspace.uuid) ?? []) {
        const truth = data.test(study.uuid);
        expect(study.type ?? null).toBe(truth?.listingType);
        expect(study.productType ?? null).toBe(truth?.listingProductType);
        if (!truth?.listedWithType) continue;
        if (truth.api === "results_api")
          expect(study).toMatchObject({ type: "STUDYV2", productType: truth.productType });
        const kind = truth.classicKind as keyof typeof classic | null;
        if (kind && kind in classic)
          expect(study).toMatchObject({ type: classic[kind], productType: "INSIGHT_CORE" });
      }
    }
    const kinds = new Set(
      data
        .tests()
        .filter((t) => t.listedWithType)
        .map((t) => t.listingType),
    );
    expect([...kinds]).toEqual(expect.arrayContaining(["STUDYV2", "WEB", "PROTOTYPE", "APP"]));
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
      if (study.type !== undefined)
        expect(study.type.toUpperCase()).toMatch(/^(STUDYV2|WEB|PROTOTYPE|APP|LIVE|EXTERNAL_UPLOAD)$/);
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

  it("gives tasks the OpenAPI's types, each answer under its camelCase key, and unicode in some", () => {
    const data = new SandboxDataset();
    const tasks = data.allSessions().flatMap((s) => data.sessionDetail(s.sessionId)?.tasks ?? []);
    const keys: Record<string, string | null> = {
      BLANK: "blank",
      RATING_SCALE: "ratingScale",
      MULTIPLE_CHOICE: "multipleChoice",
      IMAGE: "image",
      NPS: "nps",
      URL: "url",
      RANK_ORDER: "rankOrder",
      WRITTEN: "written",
      FIGMA: "figma",
      MATRIX: "matrix",
      UNRECOGNIZED: null,
    };
    expect(new Set(tasks.map((t) => t.type))).toEqual(new Set(Object.keys(keys)));
    for (const task of tasks) {
      const answer = task.response?.answer;
      if (!answer) continue;
      const key = keys[task.type];
      expect(Object.keys(answer)).toEqual(key ? [key] : []);
      if (key) expect(typeof answer[key]).toBe("object");
    }
    const answerOf = (type: string) =>
      tasks.find((t) => t.type === type && t.response?.answer)?.response?.answer;
    expect(answerOf("RATING_SCALE")?.ratingScale).toMatchObject({ value: expect.any(Number) });
    expect(answerOf("NPS")?.nps).toMatchObject({ score: expect.any(Number) });
    expect(answerOf("MULTIPLE_CHOICE")?.multipleChoice).toMatchObject({ multiSelect: expect.any(Boolean) });
    expect(answerOf("RANK_ORDER")?.rankOrder).toMatchObject({ ranking: expect.any(Array) });
    expect(answerOf("FIGMA")?.figma).toMatchObject({
      prototypeUrl: expect.stringMatching(/^https:\/\/www\.figma\.com\//),
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for any byte above ASCII
    expect(tasks.some((t) => /[^\u0000-\u007f]/.test(JSON.stringify(t.response?.answer ?? null)))).toBe(true);
    // Task types fit the product: surveys ask, interaction tests navigate, live conversations talk.
    const typesOf = (type: string) =>
      new Set(
        data
          .allSessions()
          .filter((s) => data.test(s.testId)?.testType === type)
          .flatMap((s) => data.sessionDetail(s.sessionId)?.tasks.map((t) => t.type) ?? []),
      );
    expect([...typesOf("survey")].every((t) => !["URL", "FIGMA", "BLANK"].includes(t))).toBe(true);
    expect(
      [...typesOf("live conversation")].every((t) => ["BLANK", "WRITTEN", "UNRECOGNIZED"].includes(t)),
    ).toBe(true);
    expect(typesOf("interaction test").has("URL")).toBe(true);
  });

  it("answers task groups with {score} or {sequence}, and null while a session is unfinished", () => {
    const data = new SandboxDataset();
    for (const s of data.allSessions()) {
      for (const group of data.sessionDetail(s.sessionId)?.taskGroups ?? []) {
        if (s.status !== "completed") expect(group.response).toBeNull();
        else if (group.type === "QX_SCORE") expect(group.response).toEqual({ score: expect.any(Number) });
        else expect(group.response).toEqual({ sequence: expect.stringMatching(/^(AB|BA)$/) });
      }
    }
  });

  it("serves QX scores as QxScoreResponseApi: one item per QX task group, completes counted", () => {
    const data = new SandboxDataset();
    const withScores = data.tests().filter((t) => data.qxScores(t.testId));
    expect(withScores.length).toBeGreaterThan(5);
    const items = [];
    for (const test of withScores) {
      const body = data.qxScores(test.testId);
      const sessions = data.sessions(test.testId) ?? [];
      const completed = sessions.filter((s) => s.status === "completed");
      const groups = data
        .sessionDetail(completed[0]?.sessionId ?? "")
        ?.taskGroups.filter((g) => g.type === "QX_SCORE");
      expect(Object.keys(body ?? {})).toEqual(["testId", "qxScores", "meta"]);
      expect(body?.testId).toBe(test.testId);
      expect(body?.qxScores.map((q) => q.taskGroupId)).toEqual(groups?.map((g) => g.uuid));
      expect([1, 2]).toContain(body?.qxScores.length);
      expect(body?.meta).toEqual({ totalQxTasks: body?.qxScores.length, completes: completed.length });
      for (const item of body?.qxScores ?? []) {
        expect(Object.keys(item)).toEqual(["taskGroupId", "label", "qxScore", "components", "values"]);
        expect(Object.keys(item.values)).toEqual([
          "behavioral",
          "usability",
          "trust",
          "appearance",
          "loyalty",
        ]);
        for (const n of [
          item.qxScore,
          item.components.behavioral,
          item.components.attitudinal,
          ...(item.values.behavioral ?? []),
        ]) {
          if (n !== null) expect(n >= 0 && n <= 100).toBe(true);
        }
        expect(item.components.behavioral === null).toBe(item.values.behavioral === null);
        items.push(item);
      }
    }
    expect(items.some((q) => q.qxScore === null)).toBe(true);
    expect(items.some((q) => q.qxScore !== null)).toBe(true);
    expect(withScores.some((t) => data.qxScores(t.testId)?.qxScores.length === 2)).toBe(true);
    // The same for the same completed sessions; new completes move the scores.
    const test = withScores[0]?.testId ?? "";
    expect(new SandboxDataset().qxScores(test)).toEqual(data.qxScores(test));
    data.addSessions(test, 1);
    expect(data.qxScores(test)?.meta.completes).toBe(
      (new SandboxDataset().qxScores(test)?.meta.completes ?? 0) + 1,
    );
  });

  it("knows what the vendor's script concludes when the newest listed session is still in progress", () => {
    // Only the guides' listing shows unfinished sessions; the OpenAPI's lists completed ones.
    const data = new SandboxDataset({ apiShapes: "guides" });
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
    const openapi = new SandboxDataset({ apiShapes: "openapi" });
    for (const t of openapi.tests()) {
      const newest = openapi.listedSessions(t.testId)?.[0];
      if (newest) expect(newest.status).toBe("completed");
      else expect(openapi.vendorScriptTestType(t.testId)).toBeNull();
    }
  });

  it("probes transcripts first, where the vendor's script looks at video and QX scores first", () => {
    const data = new SandboxDataset({ apiShapes: "openapi" });
    const probed = (type: string) =>
      new Set(
        data
          .tests()
          .filter((t) => t.testType === type && t.probeTestType)
          .map((t) => t.probeTestType),
      );
    expect(probed("live conversation")).toEqual(new Set(["think-out-loud test"]));
    expect(probed("think-out-loud test")).toEqual(new Set(["think-out-loud test"]));
    expect(probed("interaction test")).toEqual(new Set(["interaction test"]));
    expect(probed("survey")).toEqual(new Set(["survey"]));
    const live = data.tests().find((t) => t.testType === "live conversation" && t.probeTestType);
    expect(data.vendorScriptTestType(live?.testId ?? "")).toBe("interaction test");
    const tol = data.tests().find((t) => t.testType === "think-out-loud test" && t.probeTestType);
    expect(tol?.hasVideo).toBe(true);
    expect(data.vendorScriptTestType(tol?.testId ?? "")).toBe("interaction test");
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
