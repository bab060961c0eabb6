/**
 * The bodies the sandbox puts on the wire, in the vendor's camelCase. They are the sandbox's own:
 * the tap's src/api/types.ts describes what the client makes of a body, which is free to differ.
 */

export type ProductType = "SURVEY" | "NON_THINK_OUT_LOUD" | "THINK_OUT_LOUD" | "LIVE_CONVERSATION";

export type SessionStatus = "completed" | "in_progress" | "abandoned";

/** GET /usertesting/api/v1/workspaces item. */
export interface ApiWorkspace {
  uuid: string;
  name: string;
}

/** GET /usertesting/api/v1/workspaces/{uuid} `studies[]` item. */
export interface ApiStudy {
  cursor: string;
  uuid: string;
  title: string;
  orderedAt: string;
  orderedBy: { name: string; email: string | null };
  type?: string;
  productType?: ProductType;
}

/** GET /api/v2/sessionResults `sessions[]` item. */
export interface ApiSessionSummary {
  sessionId: string;
  /** On every item in the guides' reading; at the top level of the body in the OpenAPI's. */
  testId?: string;
  status: SessionStatus;
  startTime: string;
  finishTime: string | null;
  audienceId?: string | null;
}

export interface ApiDemographic {
  code: string;
  label: string;
  value: string | null;
  type: string;
}

export interface ApiTaskGroup {
  uuid: string;
  type: "QX_SCORE" | "BALANCED_COMPARISON";
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

/** GET /api/v2/sessionResults. */
export interface ApiSessionPage {
  sessions: ApiSessionSummary[];
  meta: { pagination: { limit: number; offset: number; totalCount: number } };
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
  studyWithClips: boolean;
}

/** GET /api/v2/testResults/{testId}/highlightreels/{reelId}. */
export interface ApiHighlightReelStatus {
  reelId: string;
  status: "GENERATING" | "GENERATED" | "ERROR";
  reelUrl: string | null;
}
