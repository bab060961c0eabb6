import type { ResultsApiClient, SessionListing } from "../api/results-api-client.js";
import type { ApiStudy, ApiWorkspace } from "../api/types.js";
import { ProbeClassifier, type ProbeFacts } from "../classify/probe-classifier.js";
import { classicByListing, mayHave, type TestType, testTypeFromListing } from "../classify/test-type.js";
import type { TapConfig } from "../config/config.js";
import { ApiError, ApiResponseError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import { failureOf } from "../protocol/failure.js";
import { SessionWalk } from "../state/session-walk.js";
import type { Classification, TapState } from "../state/tap-state.js";
import { COVERED_BY, STREAMS, WALKED_STREAMS } from "../streams/registry.js";
import type { ProgressReporter } from "./progress.js";
import type { RecordEmitter } from "./record-emitter.js";
import { restsThisRun } from "./revisit.js";
import { fairOrder } from "./test-order.js";
import type { WalkListener, WalkTest } from "./walk-listener.js";

export interface TestOutcome {
  testId: string;
  workspaceId: string;
  api: "results_api" | "classic";
  testType: TestType | null;
  classifiedBy: Classification["classified_by"];
  /** Why a Results API test has no type yet. */
  unclassifiedReason: "no sessions yet" | "no completed session yet" | null;
  probeCalls: number;
  /** Not listed this run: inactive for revisit_inactive_tests_days and listed within the week. */
  skippedAsInactive?: boolean;
}

export interface SyncReport {
  tests: TestOutcome[];
  errors: Array<{ testId: string; message: string }>;
  workspaces: number;
  /** Set when the time budget stopped the run before every test: how many were left. */
  budget?: { limitMs: number; left: number };
}

export interface SyncEngineOptions {
  config: TapConfig;
  client: ResultsApiClient;
  emitter: RecordEmitter;
  state: TapState;
  logger: Logger;
  progress?: ProgressReporter;
  /** Emit STATE after this many sessions within one test. @default 50 */
  stateEvery?: number;
  /** Work riding on the walk (media downloads); only active ones are kept. */
  listeners?: WalkListener[];
  /** The clock of the time budget and of the activity marks. @default Date.now */
  now?: () => number;
}

interface TestRef {
  study: ApiStudy;
  workspace: ApiWorkspace;
}

/**
 * The walk: workspaces → tests → sessions → details and transcripts. Streams say what they
 * need; the engine fetches each resource once for all the streams it feeds, and nothing for
 * streams that are not selected. A test that fails is reported and skipped; the run goes on.
 */
export class SyncEngine {
  private readonly classifier: ProbeClassifier;
  private readonly want: Record<
    "test" | "session" | "transcript" | "qxScores" | "clips" | "highlightReels",
    boolean
  >;
  private readonly sessionStreams: string[];
  /** Sessions the listings opened so far hold: the sessions stream's estimate. */
  private sessionsListed = 0;
  private readonly listeners: WalkListener[];
  private report: SyncReport = { tests: [], errors: [], workspaces: 0 };

  constructor(private readonly options: SyncEngineOptions) {
    this.classifier = new ProbeClassifier(options.client);
    this.listeners = (options.listeners ?? []).filter((l) => l.active);
    const { emitter } = options;
    this.want = {
      test: emitter.wants("test"),
      session: emitter.wants("session"),
      transcript: emitter.wants("transcript"),
      qxScores: emitter.wants("qxScores"),
      clips: emitter.wants("clips"),
      highlightReels: emitter.wants("highlightReels"),
    };
    this.sessionStreams = WALKED_STREAMS.filter((name) => emitter.isSelected(name));
  }

  /** Whether a session-derived stream is selected, or a listener rides the walk: then each test's listing is walked. */
  private get walksSessions(): boolean {
    return this.want.session || this.want.transcript || this.want.clips || this.listeners.length > 0;
  }

  async run(): Promise<SyncReport> {
    const { client, config, emitter, logger } = this.options;
    const report = this.report;
    await emitter.writeSchemas();

    let workspaces = await client.workspaces();
    if (config.workspaceIds) {
      const wanted = new Set(config.workspaceIds);
      for (const id of wanted) {
        if (!workspaces.some((w) => w.uuid === id))
          logger.warn(`workspace_ids: workspace ${id} is not visible to these credentials; skipped.`);
      }
      workspaces = workspaces.filter((w) => wanted.has(w.uuid));
    }
    report.workspaces = workspaces.length;
    for (const workspace of workspaces) await emitter.emit("workspace", { workspace });

    const needTests = Object.values(this.want).some(Boolean) || this.listeners.length > 0;
    if (!needTests) return report;
    const tests: TestRef[] = [];
    for (const workspace of workspaces) {
      for await (const page of client.studies(workspace.uuid)) {
        for (const study of page) tests.push({ study, workspace });
      }
    }
    const selected = config.testIds ? tests.filter((t) => config.testIds?.includes(t.study.uuid)) : tests;
    if (config.testIds) {
      for (const id of config.testIds) {
        if (!tests.some((t) => t.study.uuid === id))
          logger.warn(`test_ids: test ${id} is not in the selected workspaces; skipped.`);
      }
    }
    this.options.progress?.setTests(selected.length);
    await emitter.estimate("tests", selected.length);

    const ordered = fairOrder(selected, this.options.state);
    const started = this.now();
    let visited = 0;
    for (const test of ordered) {
      // Past the time budget no new test starts; those left go first next run.
      if (config.maxRunMs !== null && this.now() - started >= config.maxRunMs) break;
      visited += 1;
      try {
        report.tests.push(await this.syncTest(test));
      } catch (error) {
        // An API failure for one test stops that test; anything else (credentials, the output,
        // a loader) stops the run.
        if (!(error instanceof ApiError || error instanceof ApiResponseError)) throw error;
        // Every stream but workspaces may miss this test's records.
        const missing = STREAMS.filter((s) => s.source !== "workspace").map((s) => s.name);
        await this.testFailed(
          test.study.uuid,
          `Test ${test.study.uuid} ("${test.study.title}") failed and was skipped`,
          error,
          missing,
        );
      }
      await emitter.writeState(this.options.state.toJSON());
      this.options.progress?.testDone();
    }
    const left = ordered.slice(visited).map((t) => t.study.uuid);
    this.options.state.setUnreached(left);
    if (left.length > 0) {
      report.budget = { limitMs: config.maxRunMs ?? 0, left: left.length };
      logger.info(
        `Time budget of ${Math.round((config.maxRunMs ?? 0) / 60_000)} min reached: ${visited} of ${ordered.length} tests visited; the next run starts with the ${left.length} left.`,
      );
    }
    // What listeners still have in flight lands (or is recorded as not done) before the last STATE.
    for (const listener of this.listeners) await listener.finish();
    return report;
  }

  /** A test's work failed: reported, its streams marked incomplete, the run goes on. */
  private async testFailed(
    testId: string,
    what: string,
    error: unknown,
    streams: readonly string[],
  ): Promise<void> {
    const { emitter, logger } = this.options;
    const reason = error instanceof Error ? error.message : String(error);
    this.report.errors.push({ testId, message: reason });
    const message = `${what}: ${reason}`;
    logger.error(message);
    emitter.markIncomplete(streams);
    await emitter.failed({ ...failureOf(error), message });
  }

  private async syncTest({ study, workspace }: TestRef): Promise<TestOutcome> {
    const { client, emitter, state } = this.options;
    const testId = study.uuid;
    const listed = testTypeFromListing(study);
    const known = state.classification(testId);
    const outcome: TestOutcome = {
      testId,
      workspaceId: workspace.uuid,
      api:
        study.type === "STUDYV2"
          ? "results_api"
          : classicByListing(study)
            ? "classic"
            : (known?.api ?? "results_api"),
      testType: listed ?? known?.test_type ?? null,
      classifiedBy: listed ? "product_type" : known?.test_type ? known.classified_by : null,
      unclassifiedReason: null,
      probeCalls: 0,
    };
    const emitTest = (sessionCount: number | null) =>
      this.want.test
        ? emitter.emit("test", {
            study,
            workspace,
            api: outcome.api,
            testType: outcome.testType,
            classifiedBy: outcome.classifiedBy,
            sessionCount,
          })
        : Promise.resolve();

    // A test the listing or the state says is classic costs nothing: the Results API has no data for it.
    if (outcome.api === "classic") {
      state.setClassification(testId, {
        api: "classic",
        test_type: null,
        classified_by: null,
        session_count: null,
      });
      await emitTest(null);
      return outcome;
    }
    // Classification alone needs no listing for a test whose type is known: its session count
    // is then the last one seen, kept in the state.
    const perTest = this.walksSessions || this.want.qxScores;
    if (!perTest && !this.want.highlightReels && outcome.testType !== null) {
      const sessionCount = known?.session_count ?? null;
      state.setClassification(testId, {
        api: "results_api",
        test_type: outcome.testType,
        classified_by: outcome.classifiedBy,
        session_count: sessionCount,
      });
      await emitTest(sessionCount);
      return outcome;
    }
    // A test inactive for revisit_inactive_tests_days is listed once a week, not every run.
    if (known && restsThisRun(this.options.config, state, testId, known, this.now())) {
      outcome.skippedAsInactive = true;
      await emitTest(known.session_count ?? null);
      return outcome;
    }
    const listing = await client.openSessions(testId);
    if (!listing) {
      outcome.api = "classic";
      outcome.testType = null;
      outcome.classifiedBy = null;
      state.setClassification(testId, {
        api: "classic",
        test_type: null,
        classified_by: null,
        session_count: null,
      });
      await emitTest(null);
      return outcome;
    }
    outcome.api = "results_api";
    // For the ETA: the sessions this walk may visit, new since the count the state knows.
    this.options.progress?.sessionsListed(Math.max(0, listing.totalCount - (known?.session_count ?? 0)));
    this.sessionsListed += listing.totalCount;
    await emitter.estimate("sessions", this.sessionsListed);
    const facts: ProbeFacts = {};
    const hasCompleted = await this.walkSessions(listing, outcome, facts);

    // QX scores aggregate a test's completed sessions: fetched again only once a new one completed
    // (the walk marks that in the state), or, without session streams, once the count changed.
    const qxStale =
      state.classification(testId)?.qx_scores_stale !== false ||
      (!this.walksSessions && known?.session_count !== listing.totalCount);
    let qxFetched = false;
    if (
      this.want.qxScores &&
      hasCompleted &&
      (facts.qxScores !== undefined || (qxStale && mayHave(outcome.testType, outcome.classifiedBy).qxScores))
    ) {
      const body = facts.qxScores !== undefined ? facts.qxScores : await client.qxScores(testId);
      qxFetched = true;
      if (body) await emitter.emit("qxScores", { testId, body, extractedAt: new Date().toISOString() });
    }
    for (const listener of this.listeners)
      await listener.endTest({ ...this.walkTest(testId, outcome, facts) }, hasCompleted);
    if (outcome.testType === null) {
      outcome.unclassifiedReason = listing.totalCount === 0 ? "no sessions yet" : "no completed session yet";
    }
    state.setClassification(testId, {
      api: "results_api",
      test_type: outcome.testType,
      classified_by: outcome.classifiedBy,
      session_count: listing.totalCount,
      qx_scores_stale: qxFetched ? false : qxStale,
    });
    state.markListed(testId, this.nowIso(), known?.session_count !== listing.totalCount);
    await emitTest(listing.totalCount);
    return outcome;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  private walkTest(testId: string, outcome: TestOutcome, facts: ProbeFacts): WalkTest {
    return {
      testId,
      workspaceId: outcome.workspaceId,
      testType: outcome.testType,
      classifiedBy: outcome.classifiedBy,
      facts,
      fail: (what, error, streams) => this.testFailed(testId, what, error, streams),
    };
  }

  /**
   * Walks a test's sessions newest first: classifies the test with its newest completed session
   * if it must, emits what is new since the bookmark, and moves the bookmark once the walk is
   * done. Returns whether the test has a completed session.
   */
  private async walkSessions(
    listing: SessionListing,
    outcome: TestOutcome,
    facts: ProbeFacts,
  ): Promise<boolean> {
    const { client, emitter, state, config, logger } = this.options;
    const testId = listing.testId;
    const walk = this.walksSessions
      ? new SessionWalk(state.partition(testId), config.startDate, this.sessionStreams, COVERED_BY)
      : null;
    let hasCompleted = false;
    let probeSessionId: string | null = null;
    /** Whether the newest new completed session had a transcript (null: not asked). */
    let transcriptsSeen: boolean | null = null;
    let sinceState = 0;
    const context: WalkTest = this.walkTest(listing.testId, outcome, facts);
    for (const listener of this.listeners) listener.beginTest(context);
    for await (const page of listing.pages()) {
      for (const session of page.sessions) {
        if (session.lifecycle === "completed" && !hasCompleted) {
          hasCompleted = true;
          // Only the tests record and the media decisions need the type: session streams alone do not.
          if (
            outcome.testType === null &&
            (this.want.test ||
              this.want.transcript ||
              this.want.qxScores ||
              this.want.clips ||
              this.want.highlightReels ||
              this.listeners.length > 0)
          ) {
            // classify-tests-by-type.txt probes a session; we probe the newest *completed* one.
            const probe = await this.classifier.classify(
              testId,
              session.sessionId,
              facts,
              this.want.qxScores,
            );
            outcome.testType = probe.testType;
            outcome.classifiedBy = "probe";
            outcome.probeCalls = probe.calls;
            Object.assign(facts, probe.facts);
            probeSessionId = session.sessionId;
          }
        }
        if (this.listeners.length > 0) {
          context.testType = outcome.testType;
          context.classifiedBy = outcome.classifiedBy;
          for (const listener of this.listeners) await listener.session(context, session);
        }
        if (!walk) continue;
        const decision = walk.decide(session);
        if (decision === "skip") continue;
        const extractedAt = new Date().toISOString();
        if (decision === "unfinished") {
          // Listing fields only: details and media come once the session completes.
          await emitter.emit("session", { testId, summary: session, detail: null, extractedAt });
          continue;
        }
        if (this.want.session) {
          const detail = await client.sessionDetail(session.sessionId);
          if (!detail)
            logger.warn(
              `Session ${session.sessionId} of test ${testId} is listed but its details answer 404; emitted from the listing only.`,
            );
          await emitter.emit("session", { testId, summary: session, detail, extractedAt });
        }
        if (
          this.want.transcript &&
          transcriptsSeen !== false &&
          mayHave(outcome.testType, outcome.classifiedBy).transcripts
        ) {
          const reused = probeSessionId === session.sessionId && facts.transcript !== undefined;
          const vtt = reused ? facts.transcript : await client.transcript(session.sessionId);
          // A probe-classified interaction test may be a live conversation (video too): the
          // newest new session's transcript says which; without one, ask no more.
          if (
            transcriptsSeen === null &&
            outcome.testType === "interaction test" &&
            outcome.classifiedBy === "probe"
          ) {
            transcriptsSeen = vtt !== null;
          }
          if (vtt)
            await emitter.emit("transcript", {
              sessionId: session.sessionId,
              finishTime: session.finishTime,
              vtt,
              chunking: config.transcriptChunks,
            });
        }
        if (this.want.clips && mayHave(outcome.testType, outcome.classifiedBy).video) {
          // 404: no video, or (OpenAPI) a video without clips.
          const list = await client.clips(session.sessionId);
          if (list)
            await emitter.emit("clips", {
              testId,
              sessionId: session.sessionId,
              finishTime: session.finishTime,
              list,
              extractedAt: new Date().toISOString(),
            });
        }
        walk.markEmitted(session);
        state.markQxScoresStale(testId);
        this.options.progress?.sessionDone();
        if (++sinceState >= (this.options.stateEvery ?? 50)) {
          sinceState = 0;
          await emitter.writeState(state.toJSON());
        }
      }
      // Stop early only once the test is classified (or has nothing to probe with yet) and
      // nothing further down can be new: without a walk, once QX scores know there is a completed session.
      const classified = outcome.testType !== null;
      const oldest = page.sessions.at(-1)?.startTime;
      if (!this.listeners.every((l) => l.canStopAfter(listing.testId, oldest))) continue;
      if (!walk && classified && (hasCompleted || !this.want.qxScores)) break;
      if (!walk && hasCompleted) break;
      if (walk && (classified || hasCompleted) && walk.canStopAfter(oldest)) break;
    }
    walk?.complete();
    return hasCompleted;
  }
}
