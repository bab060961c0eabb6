import {
  type ApiShapes,
  DEFAULT_API_SHAPES,
  resolveApiShapes,
  SESSION_STATUS_SPELLINGS,
} from "./api-shapes.js";
import type {
  ApiClipList,
  ApiHighlightReel,
  ApiQxScores,
  ApiSessionDetail,
  ApiSessionSummary,
  ApiStudy,
  ApiWorkspace,
  SessionStatus,
  SessionTruth,
  TestTruth,
  TestType,
  TranscriptTruth,
} from "./model.js";
import { Random } from "./random.js";
import {
  generateClips,
  generateMediaFile,
  generateSessionDetail,
  generateTestPlan,
  generateTranscript,
  NAVIGATION_TASKS,
  type TestPlan,
} from "./session-content.js";
import {
  PRODUCT_TEST_TYPE,
  PROFILE_CYCLE,
  PROFILE_MIX,
  probeDecision,
  type TestProfile,
  vendorProbeDecision,
} from "./test-profiles.js";
import { PEOPLE, REEL_NAMES, TITLE_FRAMES, TITLE_SUBJECTS, WORKSPACE_NAMES } from "./vocabulary.js";

/** Sizes and seed of the generated data. Every field is optional. */
export interface DatasetOptions {
  /** @default 42 */
  seed?: number | string;
  /** @default 3 */
  workspaces?: number;
  /** Tests in every workspace but the first. @default 12 */
  testsPerWorkspace?: number;
  /** Tests in the first workspace: over 50 forces cursor paging. 0 uses `testsPerWorkspace`. @default 55 */
  largeWorkspaceTests?: number;
  /** Average sessions of a test (each test draws from half to one and a half times this). @default 8 */
  sessionsPerTest?: number;
  /** Sessions of one interaction test in the first workspace: over 500 forces offset paging. 0: none. @default 620 */
  largeTestSessions?: number;
  /** Sessions of one survey in the first workspace, to reach past the offset-10000 cap (e.g. 10600). 0: none. @default 0 */
  hugeTestSessions?: number;
  /** Average size in bytes of a session video. @default 200000 */
  videoBytes?: number;
  /** Days of new activity applied on top of the initial data (see `advanceEpoch`). @default 0 */
  epoch?: number;
  /**
   * Which reading of the vendor's documents to serve: a profile or a spec for `parseApiShapes`
   * ("guides", "openapi", "default", with ",key=value" overrides). @default "default"
   */
  apiShapes?: ApiShapes | string;
}

/** One highlight reel, with whether the sandbox will end its generation in ERROR. */
export interface HighlightReelTruth extends ApiHighlightReel {
  failsToGenerate: boolean;
}

interface TestRecord {
  truth: TestTruth;
  profile: TestProfile;
  plan: TestPlan | null;
  audienceId: string | null;
  /** Newest first, as the API lists them. Undefined for classic tests. */
  sessions: SessionTruth[] | undefined;
  reels: HighlightReelTruth[];
  studyWithClips: boolean;
}

/** The reference time of epoch 0: all generated timestamps lie before it. */
const BASE_TIME = Date.parse("2026-06-01T00:00:00Z");
const DAY = 86_400_000;
const MINUTE = 60_000;

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const cursorFor = (position: number): string => Buffer.from(String(position)).toString("base64url");

/**
 * The sandbox's data and its ground truth: deterministic from the seed and sizes, and moved
 * forward only through `advanceEpoch` and `addSessions`. Tests compare what a client extracted
 * with what this object says; the HTTP routes serve from it.
 */
export class SandboxDataset {
  readonly seed: string;
  readonly options: Required<Omit<DatasetOptions, "apiShapes">>;
  /** The reading of the vendor's documents this dataset serves. */
  readonly shapes: ApiShapes;
  /** Every workspace with its numeric id; `workspaces()` serves the id only under `workspaceId`. */
  private readonly workspaceList: Array<Required<ApiWorkspace>> = [];
  private readonly testsByWorkspace = new Map<string, TestRecord[]>();
  private readonly testsById = new Map<string, TestRecord>();
  private readonly sessionsById = new Map<string, { test: TestRecord; session: SessionTruth }>();
  private currentEpoch = 0;
  private reelCounter = 0;
  private readonly demographicIds = new Map<string, string>();
  /** One id per demographic question, drawn once: every v3 body of the OpenAPI's reading asks. */
  private readonly demographicId = (code: string): string => {
    let id = this.demographicIds.get(code);
    if (!id) {
      id = new Random(this.seed, "demographic-question", code).uuid();
      this.demographicIds.set(code, id);
    }
    return id;
  };
  /** Recently served media files: a resumed download asks for the same file many times. */
  private readonly mediaCache = new Map<string, Buffer>();

  constructor(options: DatasetOptions = {}) {
    this.options = {
      seed: options.seed ?? 42,
      workspaces: options.workspaces ?? 3,
      testsPerWorkspace: options.testsPerWorkspace ?? 12,
      largeWorkspaceTests: options.largeWorkspaceTests ?? 55,
      sessionsPerTest: options.sessionsPerTest ?? 8,
      largeTestSessions: options.largeTestSessions ?? 620,
      hugeTestSessions: options.hugeTestSessions ?? 0,
      videoBytes: options.videoBytes ?? 200_000,
      epoch: options.epoch ?? 0,
    };
    this.shapes = resolveApiShapes(options.apiShapes, DEFAULT_API_SHAPES);
    this.seed = String(this.options.seed);
    this.generate();
    for (let i = 0; i < this.options.epoch; i++) this.advanceEpoch();
  }

  /** Days of activity applied so far. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /** The dataset's own "now": newest activity happened before it. */
  get now(): number {
    return BASE_TIME + this.currentEpoch * DAY;
  }

  // ---- what the API serves ------------------------------------------------------------------

  workspaces(): ApiWorkspace[] {
    return this.workspaceList.map(({ id, ...w }) => (this.shapes.workspaceId ? { ...w, id } : w));
  }

  /** The full study listing of a workspace, newest first, with cursors; undefined if unknown. */
  studies(workspaceId: string): ApiStudy[] | undefined {
    const tests = this.testsByWorkspace.get(workspaceId);
    return tests?.map((t, index) => {
      const study: ApiStudy = {
        cursor: cursorFor(index + 1),
        uuid: t.truth.testId,
        title: t.truth.title,
        orderedAt: t.truth.orderedAt,
        orderedBy: { ...t.truth.orderedBy },
      };
      if (t.truth.listingType !== null) study.type = t.truth.listingType;
      if (t.truth.listingProductType !== null) study.productType = t.truth.listingProductType;
      return study;
    });
  }

  /** Session listing entries as served (`listedSessions` in the served spellings); undefined for classic or unknown tests. */
  sessionSummaries(testId: string): ApiSessionSummary[] | undefined {
    const record = this.testsById.get(testId);
    return record && this.listedOf(record)?.map((s) => this.summaryOf(record, s));
  }

  /** One page of `sessionSummaries` and the listing's length, building only that page. */
  sessionSummaryPage(
    testId: string,
    offset: number,
    limit: number,
  ): { sessions: ApiSessionSummary[]; totalCount: number } | undefined {
    const record = this.testsById.get(testId);
    const listed = record && this.listedOf(record);
    if (!record || !listed) return undefined;
    const sessions = listed.slice(offset, offset + limit).map((s) => this.summaryOf(record, s));
    return { sessions, totalCount: listed.length };
  }

  sessionDetail(sessionId: string): ApiSessionDetail | undefined {
    const found = this.sessionsById.get(sessionId);
    if (!found?.test.plan) return undefined;
    return generateSessionDetail(found.session, {
      seed: this.seed,
      plan: found.test.plan,
      hasAudience: found.test.truth.hasAudience,
      audienceId: found.test.audienceId,
      demographics: this.shapes.demographics,
      demographicId: this.demographicId,
    });
  }

  /** The transcript, or undefined when the session has none (the API answers 404). */
  transcript(sessionId: string): TranscriptTruth | undefined {
    const found = this.sessionsById.get(sessionId);
    if (!found?.session.hasTranscript) return undefined;
    return generateTranscript(
      found.session,
      this.seed,
      found.test.profile.productType === "LIVE_CONVERSATION",
    );
  }

  hasVideo(sessionId: string): boolean {
    return this.sessionsById.get(sessionId)?.session.hasVideo ?? false;
  }

  /** The video file's bytes, or undefined when the session has no video. */
  video(sessionId: string): Buffer | undefined {
    if (!this.hasVideo(sessionId)) return undefined;
    return this.cachedMedia(`video:${sessionId}`, () => {
      const size = new Random(this.seed, "video-size", sessionId).int(
        Math.ceil(this.options.videoBytes / 2),
        Math.ceil(this.options.videoBytes * 1.5),
      );
      return generateMediaFile(this.seed, "video", sessionId, size);
    });
  }

  /**
   * GET /api/v2/testResults/{testId}/qxScores (QxScoreResponseApi): one item per QX_SCORE task
   * group of the test plan; undefined (404) when the test has none or no completed session yet.
   * Deterministic from the seed and the number of completed sessions.
   */
  qxScores(testId: string): ApiQxScores | undefined {
    const record = this.testsById.get(testId);
    const completes = record?.sessions?.filter((s) => s.status === "completed").length ?? 0;
    if (!record?.truth.hasQxScores || !record.plan || completes === 0) return undefined;
    const rng = new Random(this.seed, "qx", testId, completes);
    const navigational = Math.max(1, record.plan.tasks.filter((t) => NAVIGATION_TASKS.has(t.type)).length);
    const mean = (values: number[]) => Math.round(values.reduce((sum, v) => sum + v, 0) / values.length);
    const qxScores = record.plan.taskGroups
      .filter((group) => group.type === "QX_SCORE")
      .map((group) => {
        // Without navigational scores there is no behavioral part, and no aggregate either
        // (the OpenAPI's example: qxScore, components.behavioral and values.behavioral all null).
        const behavioral = rng.chance(0.2)
          ? null
          : Array.from({ length: navigational }, () => rng.int(10, 100));
        const values = {
          behavioral,
          usability: rng.int(30, 100),
          trust: rng.int(30, 100),
          appearance: rng.int(30, 100),
          loyalty: rng.int(30, 100),
        };
        const attitudinal = mean([values.usability, values.trust, values.appearance, values.loyalty]);
        const behavioralMean = behavioral && mean(behavioral);
        return {
          taskGroupId: group.uuid,
          label: group.label,
          qxScore: behavioralMean === null ? null : Math.round((behavioralMean + attitudinal) / 2),
          components: { behavioral: behavioralMean, attitudinal },
          values,
        };
      });
    return { testId, qxScores, meta: { totalQxTasks: qxScores.length, completes } };
  }

  /**
   * GET /api/v2/sessionResults/{id}/clips as served when there are clips: `clips` may be empty
   * (then `emptyMediaList` decides between 200 and 404). Undefined (404) without session video.
   */
  clips(sessionId: string): ApiClipList | undefined {
    const found = this.sessionsById.get(sessionId);
    if (!found?.session.hasVideo) return undefined;
    return generateClips(found.session, this.seed);
  }

  /** Highlight reels of a test (with whether each will fail to generate); undefined for classic or unknown tests. */
  highlightReels(testId: string): { reels: HighlightReelTruth[]; studyWithClips: boolean } | undefined {
    const record = this.testsById.get(testId);
    if (!record || record.truth.api === "classic") return undefined;
    return { reels: record.reels.map((r) => ({ ...r })), studyWithClips: record.studyWithClips };
  }

  /** The reel file's bytes, or undefined when the reel is unknown. */
  reelFile(reelId: string): Buffer | undefined {
    for (const record of this.testsById.values()) {
      const reel = record.reels.find((r) => r.uuid === reelId);
      if (reel) {
        return this.cachedMedia(`reel:${reelId}`, () =>
          generateMediaFile(this.seed, "reel", reelId, Math.ceil(this.options.videoBytes / 2)),
        );
      }
    }
    return undefined;
  }

  private cachedMedia(key: string, make: () => Buffer): Buffer {
    let bytes = this.mediaCache.get(key);
    if (!bytes) {
      bytes = make();
      if (this.mediaCache.size >= 16) this.mediaCache.delete(this.mediaCache.keys().next().value as string);
      this.mediaCache.set(key, bytes);
    }
    return bytes;
  }

  // ---- ground truth for tests ----------------------------------------------------------------

  tests(): TestTruth[] {
    return [...this.testsById.values()].map((t) => this.truthOf(t));
  }

  test(testId: string): TestTruth | undefined {
    const record = this.testsById.get(testId);
    return record && this.truthOf(record);
  }

  /** Every session of a test with truth flags, newest first; undefined for classic or unknown tests. */
  sessions(testId: string): SessionTruth[] | undefined {
    return this.testsById.get(testId)?.sessions?.map((s) => ({ ...s }));
  }

  /** Every session of every Results API test. */
  allSessions(): SessionTruth[] {
    return [...this.sessionsById.values()].map(({ session }) => ({ ...session }));
  }

  /**
   * The sessions the listing serves (every status, or completed ones only, per `sessionListing`),
   * newest first, with the canonical status; undefined for classic or unknown tests.
   */
  listedSessions(testId: string): SessionTruth[] | undefined {
    const record = this.testsById.get(testId);
    return record && this.listedOf(record)?.map((s) => ({ ...s }));
  }

  /** Every session some listing serves. */
  allListedSessions(): SessionTruth[] {
    return [...this.testsById.values()].flatMap(
      (record) => this.listedOf(record)?.map((s) => ({ ...s })) ?? [],
    );
  }

  /**
   * What the vendor's reference script (classify-tests-by-type.txt) concludes by its own rule
   * (`vendorProbeDecision`): it probes the newest listed session whatever its status. Null for
   * classic tests and tests whose listing is empty.
   */
  vendorScriptTestType(testId: string): TestType | null {
    const record = this.testsById.get(testId);
    const newest = record && this.listedOf(record)?.[0];
    if (!record || !newest) return null;
    return vendorProbeDecision({
      video: newest.hasVideo,
      qxScores: this.qxScores(testId) !== undefined,
      transcript: newest.hasTranscript,
    });
  }

  // ---- moving the data forward ----------------------------------------------------------------

  /**
   * One day passes: most in-progress sessions complete, new sessions arrive (some still in
   * progress), tests that were waiting for their first sessions get them, and a new test is
   * ordered in the first workspace. Deterministic: epoch N is the same for the same seed.
   */
  advanceEpoch(): void {
    const previousNow = this.now;
    this.currentEpoch += 1;
    const rng = new Random(this.seed, "epoch", this.currentEpoch);
    for (const record of this.testsById.values()) {
      if (!record.sessions) continue;
      for (const session of record.sessions) {
        const forced = record.profile.sessions === "only-in-progress";
        if (session.status === "in_progress" && (forced || rng.chance(0.85))) {
          session.status = "completed";
          session.finishTime = this.stamp(
            previousNow + rng.int(1, 180) * MINUTE,
            session.sessionId,
            "finish",
          );
          session.hasVideo = record.truth.hasVideo;
          session.hasTranscript = record.profile.transcripts;
        }
      }
      const arriving =
        record.profile.sessions === "later" && this.currentEpoch === 1
          ? rng.int(2, 5)
          : record.profile.sessions === "normal"
            ? rng.int(0, 3)
            : 0;
      this.appendSessions(record, rng, arriving, previousNow + 4 * 60 * MINUTE, this.now - 60 * MINUTE);
    }
    const firstWorkspace = this.workspaceList[0];
    if (firstWorkspace) {
      const profile = this.drawProfile(rng, true);
      const record = this.createTest(firstWorkspace.uuid, profile, rng, previousNow + 2 * 60 * MINUTE);
      this.appendSessions(record, rng, rng.int(2, 6), previousNow + 3 * 60 * MINUTE, this.now - 60 * MINUTE);
      this.testsByWorkspace.get(firstWorkspace.uuid)?.unshift(record);
    }
  }

  /**
   * New sessions for one test, newer than all it has: what happens when participants finish
   * while a client is paging. Returns the new sessions.
   */
  addSessions(testId: string, count: number, options: { status?: SessionStatus } = {}): SessionTruth[] {
    const record = this.testsById.get(testId);
    if (!record?.sessions)
      throw new Error(`addSessions: ${testId} is not a Results API test of this sandbox`);
    const newest = record.sessions[0] ? Date.parse(record.sessions[0].startTime) : this.now - DAY;
    const rng = new Random(this.seed, "added", testId, record.sessions.length);
    const added: SessionTruth[] = [];
    for (let i = 1; i <= count; i++) {
      const start = newest + i * MINUTE;
      const status = options.status ?? "completed";
      added.push(this.registerSession(record, rng, start, status));
    }
    this.sortSessions(record);
    return added.map((s) => ({ ...s }));
  }

  // ---- generation ----------------------------------------------------------------------------

  private generate(): void {
    const rng = new Random(this.seed, "dataset");
    const names = rng.sample(WORKSPACE_NAMES, WORKSPACE_NAMES.length);
    // Numeric ids (the OpenAPI's "12345") from a generator of their own: serving them or not
    // leaves every other value as it is.
    const idRng = new Random(this.seed, "workspace-ids");
    const workspaceIds = [idRng.int(10_000, 60_000)];
    for (let w = 1; w < this.options.workspaces; w++) {
      workspaceIds.push((workspaceIds[w - 1] as number) + idRng.int(1, 997));
    }
    for (let w = 0; w < this.options.workspaces; w++) {
      const uuid = rng.uuid();
      const name =
        names[w % names.length] + (w >= names.length ? ` ${Math.floor(w / names.length) + 1}` : "");
      this.workspaceList.push({ uuid, name, id: String(workspaceIds[w]) });
      const count =
        w === 0 && this.options.largeWorkspaceTests > 0
          ? this.options.largeWorkspaceTests
          : this.options.testsPerWorkspace;
      // orderedAt descending, as the listing sample in classify-tests-by-type.txt shows.
      const orderedTimes = Array.from({ length: count }, () => BASE_TIME - rng.int(2 * DAY, 400 * DAY)).sort(
        (a, b) => b - a,
      );
      const records: TestRecord[] = [];
      for (let i = 0; i < count; i++) {
        const profile =
          i < PROFILE_CYCLE.length ? (PROFILE_CYCLE[i] as TestProfile) : this.drawProfile(rng, false);
        records.push(this.createTest(uuid, profile, rng, orderedTimes[i] as number, w));
      }
      this.testsByWorkspace.set(uuid, records);
    }
    this.assignSizes(rng);
  }

  private drawProfile(rng: Random, resultsApiOnly: boolean): TestProfile {
    const pool = PROFILE_MIX.filter((p) => !resultsApiOnly || p.profile.api === "results_api");
    let roll = rng.next() * pool.reduce((sum, p) => sum + p.weight, 0);
    for (const p of pool) {
      roll -= p.weight;
      if (roll < 0) return p.profile;
    }
    return (pool[0] as { profile: TestProfile }).profile;
  }

  private createTest(
    workspaceId: string,
    profile: TestProfile,
    rng: Random,
    orderedAtMs: number,
    w = 0,
  ): TestRecord {
    const testId = rng.uuid();
    const person = rng.pick(PEOPLE);
    const title = rng
      .pick(TITLE_FRAMES)
      .replace("{s}", rng.pick(TITLE_SUBJECTS))
      .replace("{n}", String(rng.int(1, 9)))
      .replace("{q}", String(rng.int(1, 4)));
    const resultsApi = profile.api === "results_api";
    // The third workspace stands for an account whose listing lacks type fields, so clients
    // must fall back to probing; elsewhere a few Results API tests lack them too.
    const listedWithType = w % 3 !== 2 && (!resultsApi || !rng.chance(0.15));
    const hasAudience = resultsApi && rng.chance(0.7);
    // A generator of its own, so the spelling never moves any other value.
    const lowerCase = this.shapes.lowerCaseEnums && new Random(this.seed, "lower-case", testId).chance(1 / 3);
    const spell = (value: string) => (lowerCase ? value.toLowerCase() : value);
    const video =
      profile.video || (profile.productType === "THINK_OUT_LOUD" && this.shapes.thinkOutLoudVideo);
    const truth: TestTruth = {
      testId,
      workspaceId,
      title,
      orderedAt: iso(orderedAtMs),
      orderedBy: { ...person },
      api: profile.api,
      classicKind: profile.classicKind,
      productType: profile.productType,
      listedWithType,
      listingType: listedWithType ? spell(profile.listingType) : null,
      listingProductType: listedWithType ? spell(profile.listingProductType) : null,
      testType: profile.productType ? PRODUCT_TEST_TYPE[profile.productType] : null,
      probeTestType: null,
      hasVideo: video,
      hasQxScores: profile.qxScores,
      hasTranscripts: profile.transcripts,
      hasAudience,
    };
    const record: TestRecord = {
      truth,
      profile,
      plan: profile.productType
        ? generateTestPlan(rng, new Random(this.seed, "plan", testId), profile.productType, profile.qxScores)
        : null,
      audienceId: hasAudience ? rng.uuid() : null,
      sessions: resultsApi ? [] : undefined,
      reels: [],
      studyWithClips: false,
    };
    if (resultsApi && (profile.video || profile.transcripts)) {
      const reelCount = rng.int(0, 3);
      for (let i = 0; i < reelCount; i++) {
        this.reelCounter += 1;
        record.reels.push({
          uuid: rng.uuid(),
          name: rng.pick(REEL_NAMES),
          durationMs: rng.int(20, 600) * 1000,
          lastUpdatedAtMs: orderedAtMs + rng.int(1, 30) * DAY,
          numClips: rng.int(1, 12),
          areAllClipsInReel: rng.chance(0.8),
          // One reel in four ends in ERROR, so every dataset with reels has a failing one.
          failsToGenerate: this.reelCounter % 4 === 0,
        });
      }
      record.studyWithClips = reelCount > 0 || rng.chance(0.3);
    }
    this.testsById.set(testId, record);
    return record;
  }

  /** Gives every Results API test its initial sessions. */
  private assignSizes(rng: Random): void {
    const first = this.workspaceList[0] && this.testsByWorkspace.get(this.workspaceList[0].uuid);
    const large = first?.find((t) => t.profile === PROFILE_CYCLE[1]);
    const huge = first?.find((t) => t.profile === PROFILE_CYCLE[0]);
    for (const record of this.testsById.values()) {
      if (!record.sessions) continue;
      const orderedAt = Date.parse(record.truth.orderedAt);
      let count = 0;
      if (record.profile.sessions === "only-in-progress") count = 1;
      else if (record.profile.sessions === "normal") {
        const avg = this.options.sessionsPerTest;
        count = Math.max(1, rng.int(Math.ceil(avg / 2), Math.ceil(avg * 1.5)));
        if (record === large && this.options.largeTestSessions > 0) count = this.options.largeTestSessions;
        if (record === huge && this.options.hugeTestSessions > 0) count = this.options.hugeTestSessions;
      }
      this.appendSessions(record, rng, count, orderedAt + 60 * MINUTE, this.now - 2 * 60 * MINUTE);
    }
  }

  /**
   * Adds `count` sessions started between `from` and `to`. The newest may be in progress: always
   * for profiles that say so, sometimes otherwise; the rest are completed or now and then abandoned.
   */
  private appendSessions(record: TestRecord, rng: Random, count: number, from: number, to: number): void {
    if (count <= 0) return;
    const span = Math.max(count * 1000, to - from);
    // Distinct whole seconds, so "newest first" is a strict order.
    const starts = new Set<number>();
    while (starts.size < count) starts.add(Math.floor((from + rng.next() * span) / 1000) * 1000);
    const sorted = [...starts].sort((a, b) => a - b);
    sorted.forEach((start, index) => {
      const newest = index === sorted.length - 1;
      let status: SessionStatus = rng.chance(0.05) ? "abandoned" : "completed";
      if (record.profile.sessions === "only-in-progress") status = "in_progress";
      else if (newest && record.profile.newestInProgress && this.currentEpoch === 0) status = "in_progress";
      else if (newest && !record.profile.newestInProgress && rng.chance(0.1)) status = "in_progress";
      else if (newest) status = "completed";
      // A session in progress started recently; one that is over started long enough ago to be.
      const startMs = status === "in_progress" ? Math.min(start, this.now - rng.int(5, 50) * MINUTE) : start;
      const session = this.registerSession(record, rng, startMs, status);
      // Older sessions sometimes lack a recording; the newest completed one never does, so
      // probing with it is reliable.
      if (this.currentEpoch === 0 && sorted.length >= 4 && index < sorted.length / 2 && rng.chance(0.15)) {
        session.hasVideo = false;
        session.hasTranscript = false;
      }
    });
    this.sortSessions(record);
  }

  private registerSession(
    record: TestRecord,
    rng: Random,
    startMs: number,
    status: SessionStatus,
  ): SessionTruth {
    const done = status === "completed";
    const sessionId = rng.uuid();
    const session: SessionTruth = {
      sessionId,
      testId: record.truth.testId,
      status,
      startTime: this.stamp(startMs, sessionId, "start"),
      finishTime: done
        ? this.stamp(startMs + rng.int(4, 45) * MINUTE + rng.int(0, 59) * 1000, sessionId, "finish")
        : null,
      audienceId: record.audienceId,
      hasVideo: done && record.truth.hasVideo,
      hasTranscript: done && record.profile.transcripts,
    };
    record.sessions?.push(session);
    this.sessionsById.set(session.sessionId, { test: record, session });
    return session;
  }

  /**
   * A session timestamp as served, and so as the truth keeps it: whole seconds, or under
   * `timestampMillis` the same second with milliseconds drawn from a generator of their own.
   */
  private stamp(ms: number, sessionId: string, which: "start" | "finish"): string {
    const second = Math.floor(ms / 1000) * 1000;
    if (!this.shapes.timestampMillis) return iso(second);
    return new Date(second + new Random(this.seed, "millis", sessionId, which).int(0, 999)).toISOString();
  }

  /** The sessions the listing serves, newest first (the record's own objects). */
  private listedOf(record: TestRecord): SessionTruth[] | undefined {
    if (this.shapes.sessionListing === "all") return record.sessions;
    return record.sessions?.filter((s) => s.status === "completed");
  }

  private sortSessions(record: TestRecord): void {
    record.sessions?.sort((a, b) => Date.parse(b.startTime) - Date.parse(a.startTime));
  }

  private summaryOf(record: TestRecord, s: SessionTruth): ApiSessionSummary {
    const status = SESSION_STATUS_SPELLINGS[this.shapes.sessionStatus][s.status];
    const { startTime, finishTime } = s;
    // Two literals rather than a spread: this runs for every session of every listing page.
    const summary: ApiSessionSummary =
      this.shapes.sessionListingTestId === "per-session"
        ? { sessionId: s.sessionId, testId: s.testId, status, startTime, finishTime }
        : { sessionId: s.sessionId, status, startTime, finishTime };
    // "audienceId (if present)": automated-warehouse-pipeline.txt, step 1.
    if (record.truth.hasAudience) summary.audienceId = s.audienceId ?? null;
    return summary;
  }

  private truthOf(record: TestRecord): TestTruth {
    const hasCompleted = record.sessions?.some((s) => s.status === "completed") ?? false;
    const probeTestType = hasCompleted
      ? probeDecision({
          video: record.truth.hasVideo,
          qxScores: record.profile.qxScores,
          transcript: record.profile.transcripts,
        })
      : null;
    return { ...record.truth, orderedBy: { ...record.truth.orderedBy }, probeTestType };
  }
}
