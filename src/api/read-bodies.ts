import type { Endpoint } from "./endpoints.js";
import { normaliseProductType, normaliseStudyType } from "./listing-enums.js";
import { expectArray, expectObject, expectString, optionalString, shapeError } from "./response-shape.js";
import { readSessionStatus } from "./session-status.js";
import type {
  ApiClip,
  ApiClipList,
  ApiHighlightReel,
  ApiHighlightReelList,
  ApiSessionSummary,
  ApiStudy,
  ApiWorkspace,
} from "./types.js";

/**
 * Readers of the bodies whose shape the vendor's sources disagree on. Each accepts every shape a
 * source documents and hands on one; what none of them allows fails naming endpoint and field.
 */

const optionalNumber = (value: unknown, endpoint: Endpoint, field: string): number | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw shapeError(endpoint, field, "a number", value);
  return value;
};

const optionalBoolean = (value: unknown, endpoint: Endpoint, field: string): boolean | null => {
  if (value === undefined || value === null) return null;
  if (typeof value !== "boolean") throw shapeError(endpoint, field, "a boolean", value);
  return value;
};

const optionalObject = (value: unknown): Record<string, unknown> | null =>
  value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** A workspace: `{uuid, name}` (guides), plus a numeric-string `id` (OpenAPI). */
export function readWorkspace(item: unknown, endpoint: Endpoint, at: string): ApiWorkspace {
  const w = expectObject(item, endpoint, at);
  const id = w.id;
  return {
    uuid: expectString(w.uuid, endpoint, `${at}.uuid`),
    name: typeof w.name === "string" ? w.name : "",
    id: typeof id === "string" || typeof id === "number" ? String(id) : null,
  };
}

/** A page of the v1 study listing: `{studies: [...]}` (guides, the vendor's script) or a bare array (OpenAPI). */
export function readStudies(body: unknown, endpoint: Endpoint): ApiStudy[] {
  const wrapped = !Array.isArray(body);
  const items = wrapped
    ? expectArray(expectObject(body, endpoint, "(body)").studies, endpoint, "studies")
    : (body as unknown[]);
  return items.map((item, i) => {
    const at = wrapped ? `studies[${i}]` : `[${i}]`;
    const s = expectObject(item, endpoint, at);
    const study = { ...s, uuid: expectString(s.uuid, endpoint, `${at}.uuid`) } as unknown as ApiStudy;
    const type = normaliseStudyType(s.type);
    const productType = normaliseProductType(s.productType);
    if (type === undefined) delete study.type;
    else study.type = type;
    if (productType === undefined) delete study.productType;
    else study.productType = productType;
    return study;
  });
}

/**
 * A session of the listing. `testId` sits on each item (guides) or once at the top (OpenAPI);
 * the test asked for is the one that counts. `unknownStatus`: a spelling to report.
 */
export function readSessionSummary(
  item: unknown,
  testId: string,
  endpoint: Endpoint,
  at: string,
): { summary: ApiSessionSummary; unknownStatus: string | null } {
  const s = expectObject(item, endpoint, at);
  const finishTime = optionalString(s.finishTime, endpoint, `${at}.finishTime`);
  const status = readSessionStatus(s.status, finishTime);
  const summary: ApiSessionSummary = {
    sessionId: expectString(s.sessionId, endpoint, `${at}.sessionId`),
    testId,
    status: status.status,
    lifecycle: status.lifecycle,
    startTime: optionalString(s.startTime, endpoint, `${at}.startTime`),
    finishTime,
  };
  if ("audienceId" in s) summary.audienceId = optionalString(s.audienceId, endpoint, `${at}.audienceId`);
  return { summary, unknownStatus: status.unknown ? String(s.status ?? "(none)") : null };
}

/** GET …/clips: `{studyUuid, clips: [...], videoRegions?}` (OpenAPI ClipsResponseDto). */
export function readClipList(body: unknown, endpoint: Endpoint): ApiClipList {
  const b = expectObject(body, endpoint, "(body)");
  const clips = expectArray(b.clips, endpoint, "clips").map((item, i): ApiClip => {
    const at = `clips[${i}]`;
    const c = expectObject(item, endpoint, at);
    return {
      uuid: expectString(c.uuid, endpoint, `${at}.uuid`),
      name: optionalString(c.name, endpoint, `${at}.name`),
      description: optionalString(c.description, endpoint, `${at}.description`),
      timeStartMs: optionalNumber(c.timeStartMs, endpoint, `${at}.timeStartMs`),
      timeEndMs: optionalNumber(c.timeEndMs, endpoint, `${at}.timeEndMs`),
      videoUuid: optionalString(c.videoUuid, endpoint, `${at}.videoUuid`),
      hasAudio: optionalBoolean(c.hasAudio, endpoint, `${at}.hasAudio`),
      hasCamera: optionalBoolean(c.hasCamera, endpoint, `${at}.hasCamera`),
      layout: optionalObject(c.layout),
    };
  });
  return { clips, videoRegions: optionalObject(b.videoRegions) };
}

/** GET …/highlightreels: `{reels: [...], studyWithClips}` (highlight-reels.txt, OpenAPI). */
export function readHighlightReelList(body: unknown, endpoint: Endpoint): ApiHighlightReelList {
  const b = expectObject(body, endpoint, "(body)");
  const reels = expectArray(b.reels, endpoint, "reels").map((item, i) => {
    const at = `reels[${i}]`;
    const r = expectObject(item, endpoint, at);
    return {
      ...r,
      uuid: expectString(r.uuid, endpoint, `${at}.uuid`),
    } as ApiHighlightReel;
  });
  return { reels, studyWithClips: typeof b.studyWithClips === "boolean" ? b.studyWithClips : null };
}

/** One task group's QX score (OpenAPI QxScoreItemDto), every number nullable. */
export interface QxTaskGroupScore {
  taskGroupId: string;
  label: string | null;
  qxScore: number | null;
  behavioral: number | null;
  attitudinal: number | null;
  behavioralTaskScores: number[] | null;
  usability: number | null;
  trust: number | null;
  appearance: number | null;
  loyalty: number | null;
}

/**
 * The per-task-group scores of a QX scores body (`qxScores[]`), with `meta.completes`. A body
 * without a `qxScores` array gives none (it is still kept whole in qx_scores); a `qxScores`
 * that is there but unreadable fails naming the field.
 */
export function readQxTaskGroups(
  body: Record<string, unknown>,
  endpoint: Endpoint,
): { items: QxTaskGroupScore[]; completes: number | null } | null {
  if (body.qxScores === undefined) return null;
  const meta = optionalObject(body.meta);
  const completes = optionalNumber(meta?.completes, endpoint, "meta.completes");
  const items = expectArray(body.qxScores, endpoint, "qxScores").map((item, i): QxTaskGroupScore => {
    const at = `qxScores[${i}]`;
    const q = expectObject(item, endpoint, at);
    const components = optionalObject(q.components);
    const values = optionalObject(q.values);
    const behavioralValues = values?.behavioral;
    if (
      behavioralValues !== undefined &&
      behavioralValues !== null &&
      !(Array.isArray(behavioralValues) && behavioralValues.every((v) => typeof v === "number"))
    )
      throw shapeError(endpoint, `${at}.values.behavioral`, "an array of numbers or null", behavioralValues);
    return {
      taskGroupId: expectString(q.taskGroupId, endpoint, `${at}.taskGroupId`),
      label: optionalString(q.label, endpoint, `${at}.label`),
      qxScore: optionalNumber(q.qxScore, endpoint, `${at}.qxScore`),
      behavioral: optionalNumber(components?.behavioral, endpoint, `${at}.components.behavioral`),
      attitudinal: optionalNumber(components?.attitudinal, endpoint, `${at}.components.attitudinal`),
      behavioralTaskScores: (behavioralValues as number[] | null | undefined) ?? null,
      usability: optionalNumber(values?.usability, endpoint, `${at}.values.usability`),
      trust: optionalNumber(values?.trust, endpoint, `${at}.values.trust`),
      appearance: optionalNumber(values?.appearance, endpoint, `${at}.values.appearance`),
      loyalty: optionalNumber(values?.loyalty, endpoint, `${at}.values.loyalty`),
    };
  });
  return { items, completes };
}
