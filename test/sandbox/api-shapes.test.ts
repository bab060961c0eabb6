import { describe, expect, it } from "vitest";
import {
  API_SHAPES,
  type ApiClipList,
  type ApiSessionDetail,
  type ApiSessionPage,
  type ApiStudy,
  type ApiWorkspace,
  DEFAULT_API_SHAPES,
  describeApiShapes,
  ManualClock,
  parseApiShapes,
  type Sandbox,
  SandboxDataset,
  startSandbox,
  type TestTruth,
} from "../../src/sandbox/index.js";
import { apiGet, apiJson, useSandbox } from "../helpers/sandbox.js";

describe("parseApiShapes", () => {
  it.each([
    ["guides", API_SHAPES.guides],
    ["openapi", API_SHAPES.openapi],
    ["default", DEFAULT_API_SHAPES],
    [" openapi ", API_SHAPES.openapi],
    [
      "openapi,sessionListing=all,retryAfter=true",
      { ...API_SHAPES.openapi, sessionListing: "all", retryAfter: true },
    ],
    [
      "guides, emptyMediaList=404 , workspaceId=true",
      { ...API_SHAPES.guides, emptyMediaList: "404", workspaceId: true },
    ],
  ])("reads %j", (spec, shapes) => {
    expect(parseApiShapes(spec)).toEqual(shapes);
  });

  it.each([
    ["", /unknown API shape profile '': expected one of guides, openapi, default/],
    ["swagger", /unknown API shape profile 'swagger': expected one of guides, openapi, default/],
    ["openapi,retryAfter", /override 'retryAfter' must be key=value/],
    [
      "openapi,retryafter=true",
      /unknown API shape key 'retryafter': expected one of sessionStatus, .*workspaceId/,
    ],
    ["openapi,retryAfter=yes", /'retryAfter' cannot be 'yes': expected one of true, false/],
    ["guides,sessionStatus=UPPER", /'sessionStatus' cannot be 'UPPER': expected one of lower, upper/],
  ])("refuses %j, naming what is wrong and what is allowed", (spec, message) => {
    expect(() => parseApiShapes(spec)).toThrow(message);
  });

  it("does not share the profile objects it returns", () => {
    const shapes = parseApiShapes("guides");
    shapes.retryAfter = false;
    expect(API_SHAPES.guides.retryAfter).toBe(true);
  });

  it("describes a profile as the shortest spec that reads back to it", () => {
    expect(describeApiShapes(API_SHAPES.guides)).toBe("guides");
    expect(describeApiShapes(DEFAULT_API_SHAPES)).toBe("default");
    const custom = parseApiShapes("openapi,retryAfter=true");
    expect(describeApiShapes(custom)).toBe("openapi,retryAfter=true");
    expect(parseApiShapes(describeApiShapes(custom))).toEqual(custom);
  });
});

type Profile = "guides" | "openapi";

async function shaped(apiShapes: Profile, options: Parameters<typeof useSandbox>[0] = {}) {
  const sandbox = await useSandbox({ apiShapes, ...options });
  return { sandbox, token: sandbox.issueToken() };
}

function pick(sandbox: Sandbox, predicate: (t: TestTruth) => boolean): TestTruth {
  const test = sandbox.data.tests().find(predicate);
  if (!test) throw new Error("the default sandbox data lacks a test this spec needs");
  return test;
}

/** What each profile serves, as one row per reading: the specs below read their expectations from it. */
const READINGS = {
  guides: {
    statuses: ["completed", "in_progress", "abandoned"],
    listsUnfinished: true,
    studiesBody: "object",
    timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    lowerCase: false,
    thinkOutLoudVideo: 404,
    demographicKeys: ["code", "label", "value", "type"],
    retryAfter: "60",
    emptyList: 200,
    testIdOn: "items",
    workspaceKeys: ["uuid", "name"],
  },
  openapi: {
    statuses: ["COMPLETE"],
    listsUnfinished: false,
    studiesBody: "array",
    timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    lowerCase: true,
    thinkOutLoudVideo: 200,
    demographicKeys: ["id", "code", "label", "value", "type"],
    retryAfter: null,
    emptyList: 404,
    testIdOn: "body",
    workspaceKeys: ["uuid", "name", "id"],
  },
} as const;

describe.each(Object.keys(READINGS) as Profile[])("the %s reading, over HTTP", (profile) => {
  const expected = READINGS[profile];

  it("spells session statuses its way and lists unfinished sessions or not", async () => {
    const { sandbox, token } = await shaped(profile);
    const test = pick(
      sandbox,
      (t) => sandbox.data.sessions(t.testId)?.some((s) => s.status === "in_progress") ?? false,
    );
    const { status, body } = await apiJson<ApiSessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${test.testId}&limit=500`,
      token,
    );
    expect(status).toBe(200);
    expect(body.sessions).toEqual(sandbox.data.sessionSummaries(test.testId));
    expect(body.sessions.map((s) => s.sessionId)).toEqual(
      sandbox.data.listedSessions(test.testId)?.map((s) => s.sessionId),
    );
    const every = sandbox.data.sessions(test.testId) ?? [];
    const completed = every.filter((s) => s.status === "completed");
    expect(body.meta.pagination.totalCount).toBe(expected.listsUnfinished ? every.length : completed.length);
    for (const s of body.sessions) expect(expected.statuses).toContain(s.status);
    expect(body.sessions.some((s) => /in_progress/i.test(s.status))).toBe(expected.listsUnfinished);
    // The truth keeps the canonical status whatever the listing spells.
    expect(new Set(sandbox.data.listedSessions(test.testId)?.map((s) => s.status))).toEqual(
      new Set(
        expected.listsUnfinished
          ? [
              "completed",
              "in_progress",
              ...(every.some((s) => s.status === "abandoned") ? ["abandoned"] : []),
            ]
          : ["completed"],
      ),
    );
  });

  it("names the test on each session item or once at the top of the body", async () => {
    const { sandbox, token } = await shaped(profile);
    const test = pick(sandbox, (t) => (sandbox.data.listedSessions(t.testId)?.length ?? 0) > 2);
    const { body } = await apiJson<ApiSessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${test.testId}`,
      token,
    );
    if (expected.testIdOn === "body") {
      expect(Object.keys(body)).toEqual(["testId", "sessions", "meta"]);
      expect(body.testId).toBe(test.testId);
      for (const s of body.sessions) expect(s).not.toHaveProperty("testId");
    } else {
      expect(Object.keys(body)).toEqual(["sessions", "meta"]);
      for (const s of body.sessions) expect(s.testId).toBe(test.testId);
    }
    const empty = pick(
      sandbox,
      (t) => t.api === "results_api" && sandbox.data.sessions(t.testId)?.length === 0,
    );
    const none = await apiJson<ApiSessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${empty.testId}`,
      token,
    );
    expect(none.body.sessions).toEqual([]);
  });

  it("serves session times with or without milliseconds, exactly as the truth has them", async () => {
    const { sandbox, token } = await shaped(profile);
    const test = pick(sandbox, (t) => (sandbox.data.listedSessions(t.testId)?.length ?? 0) > 5);
    const { body } = await apiJson<ApiSessionPage>(
      sandbox,
      `/api/v2/sessionResults?testId=${test.testId}`,
      token,
    );
    const truth = new Map(sandbox.data.allSessions().map((s) => [s.sessionId, s]));
    for (const s of body.sessions) {
      expect(s.startTime).toMatch(expected.timestamp);
      if (s.finishTime !== null) expect(s.finishTime).toMatch(expected.timestamp);
      expect(s.startTime).toBe(truth.get(s.sessionId)?.startTime);
      expect(s.finishTime).toBe(truth.get(s.sessionId)?.finishTime);
    }
    const starts = body.sessions.map((s) => Date.parse(s.startTime));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
  });

  it("lists studies in its envelope, paged by cursor to an empty page, with type spellings as the truth has them", async () => {
    const { sandbox, token } = await shaped(profile);
    const workspace = sandbox.data.workspaces()[0]?.uuid ?? "";
    const seen: ApiStudy[] = [];
    const sizes: number[] = [];
    let after = "";
    for (;;) {
      const { status, body } = await apiJson<ApiStudy[] | { studies: ApiStudy[] }>(
        sandbox,
        `/usertesting/api/v1/workspaces/${workspace}${after ? `?after=${after}` : ""}`,
        token,
      );
      expect(status).toBe(200);
      expect(Array.isArray(body) ? "array" : "object").toBe(expected.studiesBody);
      const page = Array.isArray(body) ? body : body.studies;
      sizes.push(page.length);
      if (page.length === 0) break;
      seen.push(...page);
      after = page.at(-1)?.cursor ?? "";
    }
    expect(sizes).toEqual([50, 5, 0]);
    expect(seen).toEqual(sandbox.data.studies(workspace));
    for (const study of seen) {
      const truth = sandbox.data.test(study.uuid);
      expect(study.type ?? null).toBe(truth?.listingType);
      expect(study.productType ?? null).toBe(truth?.listingProductType);
    }
    const listed = sandbox.data.tests().filter((t) => t.listingType !== null);
    const lower = listed.filter((t) => t.listingType === t.listingType?.toLowerCase());
    if (expected.lowerCase) {
      // About a third, drawn from the seed; each study spells both fields the same way.
      expect(lower.length / listed.length).toBeGreaterThan(0.15);
      expect(lower.length / listed.length).toBeLessThan(0.5);
      expect(lower.map((t) => t.listingType)).toEqual(expect.arrayContaining(["studyv2", "web"]));
      expect(lower.every((t) => t.listingProductType === t.listingProductType?.toLowerCase())).toBe(true);
    } else expect(lower).toEqual([]);
  });

  it("records video of think-out-loud sessions or not, with highlight reels either way", async () => {
    const { sandbox, token } = await shaped(profile);
    const test = pick(sandbox, (t) => t.testType === "think-out-loud test" && t.probeTestType !== null);
    const session = sandbox.data.listedSessions(test.testId)?.find((s) => s.status === "completed");
    expect(session?.hasTranscript).toBe(true);
    expect(test.hasVideo).toBe(expected.thinkOutLoudVideo === 200);
    expect(session?.hasVideo).toBe(expected.thinkOutLoudVideo === 200);
    const video = await apiGet(
      sandbox,
      `/api/v2/sessionResults/${session?.sessionId}/videoDownloadUrl`,
      token,
    );
    expect(video.status).toBe(expected.thinkOutLoudVideo);
    const transcript = await apiGet(
      sandbox,
      `/api/v2/sessionResults/${session?.sessionId}/transcript`,
      token,
    );
    expect(transcript.status).toBe(200);
    const tolReels = sandbox.data
      .tests()
      .filter((t) => t.testType === "think-out-loud test")
      .flatMap((t) => sandbox.data.highlightReels(t.testId)?.reels ?? []);
    expect(tolReels.length).toBeGreaterThan(0);
  });

  it("serves demographics in its shape", async () => {
    const { sandbox, token } = await shaped(profile);
    const sessions = sandbox.data.allListedSessions();
    const over = await Promise.all(
      sessions
        .slice(0, 10)
        .map((s) => apiJson<ApiSessionDetail>(sandbox, `/api/v3/sessionResults/${s.sessionId}`, token)),
    );
    for (const [i, { body }] of over.entries())
      expect(body).toEqual(sandbox.data.sessionDetail(sessions[i]?.sessionId ?? ""));
    const items = sessions.flatMap(
      (s) => sandbox.data.sessionDetail(s.sessionId)?.sessionParticipant?.demographicsInfo ?? [],
    );
    expect(items.length).toBeGreaterThan(1000);
    for (const item of items) expect(Object.keys(item)).toEqual(expected.demographicKeys);
    const multiple = items.filter(
      (d) => d.label === "Which of these are you interested in?" && d.value?.includes(", "),
    );
    expect(multiple.length).toBeGreaterThan(0);
    if (profile === "openapi") {
      for (const item of items) {
        expect(item.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect([
          "DEMOGRAPHIC_QUESTION_TYPE_SINGLE",
          "DEMOGRAPHIC_QUESTION_TYPE_MULTIPLE",
          "UNRECOGNIZED",
        ]).toContain(item.type);
      }
      const nullCodes = items.filter((d) => d.code === null).length / items.length;
      expect(nullCodes).toBeGreaterThan(0.05);
      expect(nullCodes).toBeLessThan(0.15);
      expect(items.some((d) => d.type === "UNRECOGNIZED")).toBe(true);
      expect(
        multiple.every((d) => ["DEMOGRAPHIC_QUESTION_TYPE_MULTIPLE", "UNRECOGNIZED"].includes(d.type)),
      ).toBe(true);
      // The id is the question's: the same for everyone asked it.
      const idsByLabel = new Map<string, Set<string | undefined>>();
      for (const d of items) idsByLabel.set(d.label, (idsByLabel.get(d.label) ?? new Set()).add(d.id));
      for (const ids of idsByLabel.values()) expect(ids.size).toBe(1);
    } else {
      expect(items.every((d) => d.code !== null && !("id" in d))).toBe(true);
    }
  });

  it("answers 429 with the rate-limit headers, and Retry-After only in the guides' reading", async () => {
    const clock = new ManualClock();
    const { sandbox, token } = await shaped(profile, { clock, requestsPerMinute: 1 });
    const path = `/api/v2/testResults/${pick(sandbox, (t) => t.hasQxScores).testId}/qxScores`;
    const first = await apiGet(sandbox, path, token);
    expect(first.headers.get("x-ratelimit-reset")).toBe("60");
    clock.advance(15_000);
    const limited = await apiGet(sandbox, path, token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe(expected.retryAfter === null ? null : "45");
    expect(limited.headers.get("x-ratelimit-limit")).toBe("1");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset")).toBe("45");
  });

  it("answers a test without highlight reels and a video without clips with an empty list or 404", async () => {
    const { sandbox, token } = await shaped(profile);
    const survey = pick(sandbox, (t) => t.testType === "survey");
    const reels = await apiJson<{ reels: unknown[]; studyWithClips: boolean }>(
      sandbox,
      `/api/v2/testResults/${survey.testId}/highlightreels`,
      token,
    );
    expect(reels.status).toBe(expected.emptyList);
    if (expected.emptyList === 200) expect(reels.body).toEqual({ reels: [], studyWithClips: false });
    const withReels = pick(sandbox, (t) => (sandbox.data.highlightReels(t.testId)?.reels.length ?? 0) > 0);
    expect(
      (await apiGet(sandbox, `/api/v2/testResults/${withReels.testId}/highlightreels`, token)).status,
    ).toBe(200);

    const noClips = sandbox.data
      .allSessions()
      .find((s) => sandbox.data.clips(s.sessionId)?.clips.length === 0);
    const clips = await apiJson<ApiClipList>(
      sandbox,
      `/api/v2/sessionResults/${noClips?.sessionId}/clips`,
      token,
    );
    expect(clips.status).toBe(expected.emptyList);
    if (expected.emptyList === 200)
      expect(clips.body).toEqual({ ...sandbox.data.clips(noClips?.sessionId ?? ""), clips: [] });
  });

  it("lists workspaces with or without the numeric id", async () => {
    const { sandbox, token } = await shaped(profile);
    const { body } = await apiJson<ApiWorkspace[]>(sandbox, "/usertesting/api/v1/workspaces", token);
    expect(body).toEqual(sandbox.data.workspaces());
    for (const w of body) expect(Object.keys(w)).toEqual(expected.workspaceKeys);
    if (profile === "openapi") {
      expect(body.every((w) => /^\d+$/.test(w.id ?? ""))).toBe(true);
      expect(new Set(body.map((w) => w.id)).size).toBe(body.length);
    }
  });
});

describe("the two readings", () => {
  it("describe the same tests and sessions for the same seed: only the shapes differ", () => {
    const guides = new SandboxDataset({ apiShapes: "guides" });
    const openapi = new SandboxDataset({ apiShapes: "openapi" });
    const ids = (data: SandboxDataset) => data.tests().map((t) => [t.testId, t.title, t.listedWithType]);
    expect(ids(openapi)).toEqual(ids(guides));
    const sessions = (data: SandboxDataset) =>
      data.allSessions().map((s) => [s.sessionId, s.status, s.startTime.slice(0, 19)]);
    expect(sessions(openapi)).toEqual(sessions(guides));
    const task = guides.allSessions().find((s) => s.status === "completed")?.sessionId ?? "";
    expect(openapi.sessionDetail(task)?.tasks).toEqual(guides.sessionDetail(task)?.tasks);
  });

  it("default to the OpenAPI's, with the v1 study listing as the vendor's script reads it", async () => {
    expect(DEFAULT_API_SHAPES).toEqual({ ...API_SHAPES.openapi, studyListing: "object" });
    const sandbox = await startSandbox({ requestsPerMinute: 0 });
    try {
      expect(sandbox.data.shapes).toEqual(DEFAULT_API_SHAPES);
    } finally {
      await sandbox.close();
    }
    expect(new SandboxDataset({ apiShapes: "openapi,studyListing=object,retryAfter=true" }).shapes).toEqual({
      ...DEFAULT_API_SHAPES,
      retryAfter: true,
    });
    expect(() => new SandboxDataset({ apiShapes: "openapi,bogus=1" })).toThrow(
      /unknown API shape key 'bogus'/,
    );
  });
});

describe("GET /api/v2/sessionResults/{sessionId}/clips", () => {
  it("serves ClipsResponseDto for sessions with video, clips within the session, and 404 without video", async () => {
    const { sandbox, token } = await shaped("openapi");
    const withVideo = sandbox.data.allSessions().filter((s) => s.hasVideo);
    const counts = withVideo.map((s) => sandbox.data.clips(s.sessionId)?.clips.length ?? -1);
    expect(Math.min(...counts)).toBe(0);
    expect(Math.max(...counts)).toBe(4);
    const none = counts.filter((n) => n === 0).length / counts.length;
    expect(none).toBeGreaterThan(0.2);
    expect(none).toBeLessThan(0.45);

    const session = withVideo.find((s) => (sandbox.data.clips(s.sessionId)?.clips.length ?? 0) >= 2);
    const { status, body } = await apiJson<ApiClipList>(
      sandbox,
      `/api/v2/sessionResults/${session?.sessionId}/clips`,
      token,
    );
    expect(status).toBe(200);
    expect(body).toEqual(sandbox.data.clips(session?.sessionId ?? ""));
    expect(body.studyUuid).toBe(session?.testId);
    expect(sandbox.counts.get("clips")).toBe(1);

    for (const s of withVideo) {
      const list = sandbox.data.clips(s.sessionId);
      const lengthMs = Date.parse(s.finishTime ?? "") - Date.parse(s.startTime);
      expect(list?.studyUuid).toBe(s.testId);
      expect(new Set(list?.clips.map((c) => c.videoUuid)).size).toBeLessThanOrEqual(1);
      for (const clip of list?.clips ?? []) {
        expect(clip.timeStartMs).toBeGreaterThanOrEqual(0);
        expect(clip.timeEndMs).toBeGreaterThan(clip.timeStartMs);
        expect(clip.timeEndMs).toBeLessThanOrEqual(lengthMs);
        if (clip.layout) {
          expect(["SCREEN", "CAMERA"]).toContain(clip.layout.mainStream);
          expect(["TOP_LEFT", "TOP_RIGHT", "BOTTOM_LEFT", "BOTTOM_RIGHT"]).toContain(clip.layout.pipPosition);
          expect(["OPENED", "CLOSED"]).toContain(clip.layout.pipState);
        }
      }
      if (list?.videoRegions) expect(list.videoRegions.screen.widthPx).toBeGreaterThan(0);
    }
    const clips = withVideo.flatMap((s) => sandbox.data.clips(s.sessionId)?.clips ?? []);
    expect(clips.some((c) => c.layout) && clips.some((c) => !c.layout)).toBe(true);
    expect(clips.some((c) => c.description) && clips.some((c) => c.description === undefined)).toBe(true);

    const survey = sandbox.data.allSessions().find((s) => sandbox.data.test(s.testId)?.testType === "survey");
    expect(sandbox.data.clips(survey?.sessionId ?? "")).toBeUndefined();
    expect((await apiGet(sandbox, `/api/v2/sessionResults/${survey?.sessionId}/clips`, token)).status).toBe(
      404,
    );
    expect((await apiGet(sandbox, "/api/v2/sessionResults/nope/clips", token)).status).toBe(400);
    expect((await apiGet(sandbox, `/api/v2/sessionResults/${session?.sessionId}/clips`, null)).status).toBe(
      401,
    );
  });

  it("counts against the shared Results API limit", async () => {
    const clock = new ManualClock();
    const { sandbox, token } = await shaped("guides", { clock, requestsPerMinute: 1 });
    const session = sandbox.data.allSessions().find((s) => s.hasVideo);
    expect((await apiGet(sandbox, `/api/v2/sessionResults/${session?.sessionId}/clips`, token)).status).toBe(
      200,
    );
    expect((await apiGet(sandbox, `/api/v3/sessionResults/${session?.sessionId}`, token)).status).toBe(429);
  });
});
