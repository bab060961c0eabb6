import type { ApiStudy } from "../api/types.js";
import { classicByListing, mayHave, testTypeFromListing } from "../classify/test-type.js";
import type { TapConfig } from "../config/config.js";
import type { TapState } from "../state/tap-state.js";
import { COVERED_BY, WALKED_STREAMS } from "../streams/registry.js";
import type { Selection } from "../tap/catalog.js";
import { restsThisRun } from "../tap/revisit.js";

/** The Results API's page of sessions (the client asks 500 a page: the fewest calls). */
const PAGE = 500;
/** Sessions assumed for a test the state knows nothing of, when no known test gives an average. */
const DEFAULT_SESSIONS = 8;

/** Rate-limited endpoints, by the names the summary and the sandbox use. */
export type PlannedEndpoint =
  | "sessionResults"
  | "sessionDetail"
  | "transcript"
  | "clips"
  | "videoDownloadUrl"
  | "qxScores"
  | "highlightReels"
  | "highlightReel";

export interface PlanEstimate {
  endpoint: PlannedEndpoint;
  calls: number;
  basis: string;
}

export interface SyncPlan {
  /** Rate-limited calls the next sync makes. */
  total_calls: number;
  calls_by_endpoint: Partial<Record<PlannedEndpoint, number>>;
  /** The workspace and study listings (not rate-limited): made by the plan itself too. */
  free_calls: number;
  /** At `requests_per_minute`. */
  minutes: number;
  requests_per_minute: number;
  /** Whether any figure is an estimate (see `estimates` for which and why). */
  estimated: boolean;
  estimates: PlanEstimate[];
  /** What each new completed session adds, beyond the plan (new sessions are known only once listed). */
  calls_per_new_session: number;
  tests: { total: number; results_api: number; classic: number; resting: number; never_synced: number };
  /** Calls revisit_inactive_tests_days saves this run (0 when off). */
  revisit_saving_calls: number;
  /** With max_run_minutes: whether the budget covers the plan. */
  budget_minutes: number | null;
}

export interface PlanInput {
  config: TapConfig;
  selection: Selection;
  state: TapState;
  /** The tests the sync would visit (after workspace_ids and test_ids). */
  tests: readonly ApiStudy[];
  /** The workspace and study listing calls made to know them. */
  freeCalls: number;
  now: number;
}

/**
 * The API calls the next sync will make, endpoint by endpoint, decided as the engine decides
 * (src/tap/sync-engine.ts) from what the state knows: classic tests cost nothing; a classified
 * test's listing is one page while its bookmark covers the selected streams; its QX scores are
 * asked only when stale; a test the state does not know, or whose bookmark does not cover a
 * selected stream, is walked whole. What the state cannot know is estimated, with its basis:
 * the sessions of a test never listed (the average of the known ones), the type of a test not
 * yet classified (the probe's calls), the reels of a test (their number is not in the state).
 * New sessions since the state are not guessed: each adds `calls_per_new_session`.
 */
export function planSync(input: PlanInput): SyncPlan {
  const { config, selection, state, tests, now } = input;
  const want = (stream: string) => selection.streams.has(stream);
  const sessionStreams = WALKED_STREAMS.filter(want);
  const wantsWalk = sessionStreams.length > 0 || want("session_videos");
  const wantsType =
    want("tests") ||
    want("transcripts") ||
    want("qx_scores") ||
    want("qx_task_group_scores") ||
    want("clips") ||
    want("highlight_reels") ||
    want("session_videos");
  const wantsQx = want("qx_scores") || want("qx_task_group_scores");
  const calls: Partial<Record<PlannedEndpoint, number>> = {};
  const estimates = new Map<string, PlanEstimate>();
  const add = (endpoint: PlannedEndpoint, n: number, basis?: string) => {
    if (n <= 0) return;
    calls[endpoint] = (calls[endpoint] ?? 0) + n;
    if (!basis) return;
    const key = `${endpoint}\u0000${basis}`;
    const known = estimates.get(key) ?? { endpoint, calls: 0, basis };
    known.calls += n;
    estimates.set(key, known);
  };
  const counts = tests
    .map((t) => state.classification(t.uuid)?.session_count)
    .filter((n): n is number => typeof n === "number");
  const average =
    counts.length > 0 ? Math.round(counts.reduce((a, b) => a + b, 0) / counts.length) : DEFAULT_SESSIONS;
  const averageBasis =
    counts.length > 0
      ? `a test never listed is assumed to have ${average} sessions, the average of the ${counts.length} tests the state knows`
      : `a test never listed is assumed to have ${DEFAULT_SESSIONS} sessions (the state knows none)`;
  const summary = { total: tests.length, results_api: 0, classic: 0, resting: 0, never_synced: 0 };
  let revisitSaving = 0;

  for (const study of tests) {
    const known = state.classification(study.uuid);
    const listed = testTypeFromListing(study);
    if (classicByListing(study) || (study.type !== "STUDYV2" && known?.api === "classic")) {
      summary.classic += 1;
      continue;
    }
    summary.results_api += 1;
    const type = listed ?? known?.test_type ?? null;
    const classifiedBy = listed ? "product_type" : (known?.classified_by ?? null);
    const may = mayHave(type, classifiedBy);
    const perTest = wantsWalk || wantsQx;
    if (!perTest && !want("highlight_reels") && type !== null) continue;
    if (known && restsThisRun(config, state, study.uuid, known, now)) {
      summary.resting += 1;
      revisitSaving += 1;
      continue;
    }
    if (!known) summary.never_synced += 1;
    const partition = state.knownPartition(study.uuid);
    // As SessionWalk decides: every selected stream (or the one it derives from) is in the bookmark.
    const has = (s: string) => partition?.streams.includes(s) === true;
    const covered =
      partition !== undefined &&
      sessionStreams.every((s) => has(s) || has(COVERED_BY.get(s) ?? s)) &&
      !partition.progress_markers;
    const videos = state.knownVideoPartition(study.uuid);
    const videosCovered =
      !want("session_videos") ||
      (videos?.streams.includes("session_videos") === true && !videos.progress_markers);
    const wholeWalk = wantsWalk && (!covered || !videosCovered);
    const sessions = known?.session_count ?? null;
    const sessionBasis = sessions === null ? averageBasis : undefined;
    const sessionCount = sessions ?? average;
    // The listing: a covered walk stops within the first page of the newest sessions.
    const pages = wholeWalk ? Math.max(1, Math.ceil(sessionCount / PAGE)) : 1;
    add("sessionResults", pages, wholeWalk && sessions === null ? averageBasis : undefined);
    // A whole walk fetches what each session feeds; every listed session counted as completed.
    if (wholeWalk && sessionCount > 0) {
      const completedBasis =
        sessionBasis ??
        "every session the state counts for a test whose bookmark does not cover the selected streams is assumed completed (an unfinished one costs nothing)";
      if (want("sessions") || want("demographics") || want("task_groups") || want("tasks"))
        add("sessionDetail", sessionCount, completedBasis);
      if (want("transcripts") && may.transcripts) add("transcript", sessionCount, completedBasis);
      if (want("clips") && may.video) add("clips", sessionCount, completedBasis);
      if (want("session_videos") && may.video) add("videoDownloadUrl", sessionCount, completedBasis);
    }
    if (type === null && wantsType && (sessions === null || sessions > 0)) {
      const probe =
        "a test not yet classified is probed: its newest completed session's transcript, then its QX scores or video";
      add("transcript", 1, probe);
      add("qxScores", 1, probe);
    }
    if (wantsQx && type !== null && may.qxScores && (known?.qx_scores_stale !== false || wholeWalk))
      add("qxScores", 1);
    if (want("highlight_reels") && may.video) {
      add("highlightReels", 1);
      if (!known)
        add(
          "highlightReel",
          2,
          "a test never synced is assumed to have one reel, asked twice (the request that starts it, the one that gives its URL)",
        );
    }
  }

  const total = Object.values(calls).reduce((a, b) => a + (b ?? 0), 0);
  const perSession =
    (want("sessions") || want("demographics") || want("task_groups") || want("tasks") ? 1 : 0) +
    (want("transcripts") ? 1 : 0) +
    (want("clips") ? 1 : 0) +
    (want("session_videos") ? 1 : 0);
  const list = [...estimates.values()];
  return {
    total_calls: total,
    calls_by_endpoint: calls,
    free_calls: input.freeCalls,
    minutes: Math.round((total / config.requestsPerMinute) * 10) / 10,
    requests_per_minute: config.requestsPerMinute,
    estimated: list.length > 0,
    estimates: list,
    calls_per_new_session: perSession,
    tests: summary,
    revisit_saving_calls: revisitSaving,
    budget_minutes: config.maxRunMs === null ? null : config.maxRunMs / 60_000,
  };
}
