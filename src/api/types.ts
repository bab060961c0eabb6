/**
 * The tap's view of the UserTesting Results API: what the client hands on after reading a body
 * liberally (../shared/api-docs and the vendor's OpenAPI, which disagree in places). Enum-like
 * values the tap decides on are normalised (see listing-enums.ts, session-status.ts); everything
 * else is as served.
 */
import type { SessionLifecycle } from "./session-status.js";

export type ProductType = "SURVEY" | "NON_THINK_OUT_LOUD" | "THINK_OUT_LOUD" | "LIVE_CONVERSATION";

/** GET /usertesting/api/v1/workspaces item. */
export interface ApiWorkspace {
  uuid: string;
  name: string;
  /** The numeric-string `id` the OpenAPI's Workspace carries, when served. */
  id?: string | null;
}

/** A study (test) of the workspace listing: `studies[]` (guides) or the array itself (OpenAPI). */
export interface ApiStudy {
  cursor?: string;
  uuid: string;
  title: string;
  orderedAt: string;
  orderedBy: { name: string; email: string | null };
  /** Upper case when it is a documented value (STUDYV2, WEB, ...), else as served. */
  type?: string;
  /** Upper case when it is a documented value (SURVEY, THINK_OUT_LOUD, ...), else as served. */
  productType?: string;
}

/** GET /api/v2/sessionResults `sessions[]` item, its status read whatever its spelling. */
export interface ApiSessionSummary {
  sessionId: string;
  testId: string;
  /** completed / in_progress / abandoned ..., or an unknown spelling as served; null when absent. */
  status: string | null;
  lifecycle: SessionLifecycle;
  startTime: string | null;
  finishTime: string | null;
  audienceId?: string | null;
}

/** v3 `sessionParticipant.demographicsInfo[]`: every field nullable in the OpenAPI. */
export interface ApiDemographic {
  id?: string | null;
  code: string | null;
  label: string | null;
  value: string | null;
  type: string | null;
}

export interface ApiTaskGroup {
  uuid: string;
  /** QX_SCORE, BALANCED_COMPARISON, UNRECOGNIZED, or a newer value. */
  type: string;
  /** QX_SCORE: {score}; BALANCED_COMPARISON: {sequence} (OpenAPI); kept whole. */
  response: Record<string, unknown> | null;
}

export interface ApiTask {
  uuid: string;
  text: string;
  type: string;
  response: {
    startTimeMs: number | null;
    endTimeMs: number | null;
    skipped: boolean;
    /** Keyed by the task type in camelCase in the OpenAPI ({ratingScale: {...}}); kept whole. */
    answer: Record<string, unknown> | null;
  } | null;
}

/** GET /api/v3/sessionResults/{id}. */
export interface ApiSessionDetail {
  sessionId: string;
  audienceId: string | null;
  testPlanId: string | null;
  sessionParticipant: {
    participantId: string | null;
    demographicsInfo: ApiDemographic[];
  } | null;
  taskGroups: ApiTaskGroup[];
  tasks: ApiTask[];
}

export interface ApiHighlightReel {
  uuid: string;
  name: string;
  durationMs: number;
  lastUpdatedAtMs: number;
  numClips: number;
  areAllClipsInReel: boolean;
}

/** GET /api/v2/sessionResults/{id}/videoDownloadUrl (video-downloads.txt). */
export interface ApiVideoDownload {
  sessionId: string;
  videoUrl: string;
  expiresAt: string;
}

/** GET /api/v2/testResults/{testId}/highlightreels. */
export interface ApiHighlightReelList {
  reels: ApiHighlightReel[];
  studyWithClips: boolean | null;
}

/** GET /api/v2/testResults/{testId}/highlightreels/{reelId}. */
export interface ApiHighlightReelStatus {
  reelId: string;
  status: "GENERATING" | "GENERATED" | "ERROR";
  reelUrl: string | null;
}

/** GET /api/v2/sessionResults/{sessionId}/clips `clips[]` item (OpenAPI ClipDto). */
export interface ApiClip {
  uuid: string;
  name: string | null;
  description: string | null;
  timeStartMs: number | null;
  timeEndMs: number | null;
  videoUuid: string | null;
  hasAudio: boolean | null;
  hasCamera: boolean | null;
  layout: Record<string, unknown> | null;
}

/** GET /api/v2/sessionResults/{sessionId}/clips (OpenAPI ClipsResponseDto). */
export interface ApiClipList {
  clips: ApiClip[];
  videoRegions: Record<string, unknown> | null;
}
