/**
 * The bodies the sandbox puts on the wire, in the vendor's camelCase. They are the sandbox's own:
 * the tap's src/api/types.ts describes what the client makes of a body, which is free to differ.
 * Where the two readings of the documents differ (api-shapes.ts), a field says which serves what.
 */

export type ProductType = "SURVEY" | "NON_THINK_OUT_LOUD" | "THINK_OUT_LOUD" | "LIVE_CONVERSATION";

/** A session's status as the sandbox keeps it; the listing spells it per `sessionStatus`. */
export type SessionStatus = "completed" | "in_progress" | "abandoned";

/** GET /usertesting/api/v1/workspaces item. */
export interface ApiWorkspace {
  uuid: string;
  name: string;
  /** The OpenAPI's numeric-string id ("12345"), under `workspaceId` only. */
  id?: string;
}

/** GET /usertesting/api/v1/workspaces/{uuid}: `studies[]` (guides) or the array itself (OpenAPI). */
export interface ApiStudy {
  cursor: string;
  uuid: string;
  title: string;
  orderedAt: string;
  orderedBy: { name: string; email: string | null };
  /** STUDYV2, or a classic format (WEB, PROTOTYPE, APP, LIVE, EXTERNAL_UPLOAD); lower case now and then. */
  type?: string;
  /** A ProductType, or INSIGHT_CORE for classic tests; lower case now and then. */
  productType?: string;
}

/** GET /api/v2/sessionResults `sessions[]` item. */
export interface ApiSessionSummary {
  sessionId: string;
  /** On every item in the guides' reading; at the top level of the body in the OpenAPI's. */
  testId?: string;
  /** completed / in_progress / abandoned, or COMPLETE / IN_PROGRESS / ABANDONED (`sessionStatus`). */
  status: string;
  /** Whole seconds, or with milliseconds (`timestampMillis`). */
  startTime: string;
  finishTime: string | null;
  audienceId?: string | null;
}

/** GET /api/v2/sessionResults. */
export interface ApiSessionPage {
  /** Under `sessionListingTestId: "top-level"` only. */
  testId?: string;
  sessions: ApiSessionSummary[];
  meta: { pagination: { limit: number; offset: number; totalCount: number } };
}

/**
 * v3 `demographicsInfo[]` item. Guides: `{code, label, value, type}` with the sandbox's own type
 * names. OpenAPI (DemographicInfoDto): also `id`; `code` may be null; `type` is one of
 * DEMOGRAPHIC_QUESTION_TYPE_SINGLE / _MULTIPLE / UNRECOGNIZED. Several values join with ", ".
 */
export interface ApiDemographic {
  id?: string;
  code: string | null;
  label: string;
  value: string | null;
  type: string;
}

/** The OpenAPI's task types (TaskItemDto.type). */
export type TaskType =
  | "BLANK"
  | "RATING_SCALE"
  | "MULTIPLE_CHOICE"
  | "IMAGE"
  | "NPS"
  | "URL"
  | "RANK_ORDER"
  | "WRITTEN"
  | "FIGMA"
  | "MATRIX"
  | "UNRECOGNIZED";

/** TaskAnswerDto: one camelCase key per task type ({ratingScale: {...}}); none for UNRECOGNIZED. */
export type ApiTaskAnswer = Record<string, Record<string, unknown>>;

export interface ApiTask {
  uuid: string;
  text: string;
  type: TaskType;
  response: {
    startTimeMs: number;
    endTimeMs: number;
    skipped: boolean;
    /** Null when the task was skipped. */
    answer: ApiTaskAnswer | null;
  } | null;
}

/** TaskGroupItemDto: QX_SCORE answers `{score}`, BALANCED_COMPARISON `{sequence}`; null while unfinished. */
export interface ApiTaskGroup {
  uuid: string;
  type: "QX_SCORE" | "BALANCED_COMPARISON";
  response: { score: number } | { sequence: "AB" | "BA" } | null;
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

/** GET /api/v2/testResults/{testId}/qxScores `qxScores[]` item (QxScoreItemDto). */
export interface ApiQxScore {
  /** The uuid of a QX_SCORE task group of the test plan. */
  taskGroupId: string;
  label: string;
  qxScore: number | null;
  components: { behavioral: number | null; attitudinal: number };
  values: {
    behavioral: number[] | null;
    usability: number;
    trust: number;
    appearance: number;
    loyalty: number;
  };
}

/** GET /api/v2/testResults/{testId}/qxScores (QxScoreResponseApi). */
export interface ApiQxScores {
  testId: string;
  qxScores: ApiQxScore[];
  meta: { totalQxTasks: number; completes: number };
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
  studyWithClips: boolean;
}

/** GET /api/v2/testResults/{testId}/highlightreels/{reelId}. */
export interface ApiHighlightReelStatus {
  reelId: string;
  status: "GENERATING" | "GENERATED" | "ERROR";
  reelUrl: string | null;
}

/** A region of the session video (ClipVideoRegionDto). */
export interface ApiVideoRegion {
  topLeftPoint?: { x: number; y: number };
  widthPx: number;
  heightPx: number;
}

/** GET /api/v2/sessionResults/{id}/clips `clips[]` item (ClipDto). */
export interface ApiClip {
  uuid: string;
  name: string;
  description?: string;
  /** Milliseconds from the session start. */
  timeStartMs: number;
  timeEndMs: number;
  videoUuid: string;
  hasAudio: boolean;
  hasCamera: boolean;
  layout?: {
    mainStream: "SCREEN" | "CAMERA";
    pipPosition: "TOP_LEFT" | "TOP_RIGHT" | "BOTTOM_LEFT" | "BOTTOM_RIGHT";
    pipState: "OPENED" | "CLOSED";
  };
}

/** GET /api/v2/sessionResults/{id}/clips (ClipsResponseDto): the test is `studyUuid` here. */
export interface ApiClipList {
  studyUuid: string;
  clips: ApiClip[];
  videoRegions?: { screen: ApiVideoRegion; camera?: ApiVideoRegion };
}
