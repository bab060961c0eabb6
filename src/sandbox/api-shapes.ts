import type { SessionStatus } from "./wire-types.js";

/**
 * Which reading of the vendor's documents the sandbox serves. The prose guides
 * (../shared/api-docs) and the published OpenAPI (api-evangelist/usertesting,
 * openapi/_original/*.yml) disagree on several shapes; each field below is one such point, and
 * each value names the source that supports it. A profile is the whole set of choices, so a
 * client can be tested against either reading, or a mix of them.
 */
export interface ApiShapes {
  /**
   * Spelling of a session's `status` in the v2 listing. `lower`: completed / in_progress /
   * abandoned (the guides' sample response, classify-tests-by-type.txt). `upper`: COMPLETE /
   * IN_PROGRESS / ABANDONED (the OpenAPI's only example is `COMPLETE`; it declares no enum).
   */
  sessionStatus: "lower" | "upper";
  /**
   * Which sessions GET /api/v2/sessionResults lists. `all`: every status, unfinished ones
   * included (the sandbox's reading of the guides, whose pipeline filters on status). `completed`:
   * only completed sessions (OpenAPI: "a paginated list of summaries for each completed session").
   */
  sessionListing: "all" | "completed";
  /**
   * Body of the v1 study listing. `object`: `{studies: [...]}` (the guides' sample and the
   * vendor's reference script, which reads `data.get("studies")`). `array`: a bare JSON array of
   * studies (OpenAPI, GET /v1/workspaces/{workspaceUuid}). Paging is the same either way.
   */
  studyListing: "object" | "array";
  /**
   * Session `startTime`/`finishTime` with milliseconds (OpenAPI examples
   * `2024-11-21T12:25:03.347Z`) or whole seconds (the guides' `2025-12-01T10:15:00Z`).
   */
  timestampMillis: boolean;
  /**
   * About a third of studies spell `type`/`productType` in lower case (the OpenAPI's examples
   * `web` and `insight_core`, beside upper-case values in its descriptions); otherwise all are
   * upper case (the guides: `STUDYV2`, `THINK_OUT_LOUD`).
   */
  lowerCaseEnums: boolean;
  /**
   * Think-out-loud tests have session video too (OpenAPI: the video endpoint serves
   * THINK_OUT_LOUD and LIVE_CONVERSATION besides interaction tests) or only transcripts (the
   * guides: a think-out-loud test is one that "returns transcript data").
   */
  thinkOutLoudVideo: boolean;
  /**
   * Items of v3 `demographicsInfo`. `guides`: `{code, label, value, type}` (the columns of
   * automated-warehouse-pipeline.txt). `openapi`: `{id, code, label, value, type}` per
   * DemographicInfoDto, with `code` null now and then and `type`
   * DEMOGRAPHIC_QUESTION_TYPE_SINGLE / _MULTIPLE / UNRECOGNIZED.
   */
  demographics: "guides" | "openapi";
  /**
   * A 429 carries `Retry-After` (the guides' script reads it with `str.isdigit()`) or not (the
   * OpenAPI documents a 429 with no headers). The x-ratelimit-* headers are sent either way.
   */
  retryAfter: boolean;
  /**
   * A media list with nothing in it: `empty` answers 200 with an empty array (highlight-reels.txt:
   * "If reels is an empty array…"); `404` answers 404 (OpenAPI: "Test or highlight reels not
   * found", "Session video or clips not found"). Applies to highlight reels and session clips.
   */
  emptyMediaList: "empty" | "404";
  /**
   * Where the session listing names its test. `per-session`: `testId` on every session item (the
   * guides' sample). `top-level`: one `testId` beside `sessions` and `meta`, none on the items
   * (OpenAPI SessionSummaryResultsResponseDto).
   */
  sessionListingTestId: "per-session" | "top-level";
  /**
   * Workspace items also carry the numeric-string `id` (OpenAPI Workspace, example "12345")
   * besides `uuid` and `name` (the guides show only those two).
   */
  workspaceId: boolean;
}

/** How each `sessionStatus` reading spells the statuses the sandbox keeps. */
export const SESSION_STATUS_SPELLINGS: Readonly<
  Record<ApiShapes["sessionStatus"], Readonly<Record<SessionStatus, string>>>
> = {
  lower: { completed: "completed", in_progress: "in_progress", abandoned: "abandoned" },
  upper: { completed: "COMPLETE", in_progress: "IN_PROGRESS", abandoned: "ABANDONED" },
};

/** The two readings, each as its source has it throughout. */
export const API_SHAPES: Readonly<Record<"guides" | "openapi", Readonly<ApiShapes>>> = {
  guides: {
    sessionStatus: "lower",
    sessionListing: "all",
    studyListing: "object",
    timestampMillis: false,
    lowerCaseEnums: false,
    thinkOutLoudVideo: false,
    demographics: "guides",
    retryAfter: true,
    emptyMediaList: "empty",
    sessionListingTestId: "per-session",
    workspaceId: false,
  },
  openapi: {
    sessionStatus: "upper",
    sessionListing: "completed",
    studyListing: "array",
    timestampMillis: true,
    lowerCaseEnums: true,
    thinkOutLoudVideo: true,
    demographics: "openapi",
    retryAfter: false,
    emptyMediaList: "404",
    sessionListingTestId: "top-level",
    workspaceId: true,
  },
};

/**
 * What the sandbox serves when not told: the OpenAPI's reading, except the v1 study listing.
 * The v2 OpenAPI is generated from the service's own controllers (operationIds such as
 * SessionResultsController_getSessionSummaryResults), so it is the most credible source for
 * the v2/v3 shapes. For the v1 listing the vendor's reference script is better evidence: it
 * parses `data.get("studies")`, which only works against a live `{studies: [...]}` body.
 */
export const DEFAULT_API_SHAPES: Readonly<ApiShapes> = { ...API_SHAPES.openapi, studyListing: "object" };

/** The values each field accepts, as data: parsing and the CLI's help read this table. */
export const API_SHAPE_VALUES: { readonly [K in keyof ApiShapes]: readonly ApiShapes[K][] } = {
  sessionStatus: ["lower", "upper"],
  sessionListing: ["all", "completed"],
  studyListing: ["object", "array"],
  timestampMillis: [true, false],
  lowerCaseEnums: [true, false],
  thinkOutLoudVideo: [true, false],
  demographics: ["guides", "openapi"],
  retryAfter: [true, false],
  emptyMediaList: ["empty", "404"],
  sessionListingTestId: ["per-session", "top-level"],
  workspaceId: [true, false],
};

const PROFILES: Record<string, Readonly<ApiShapes>> = { ...API_SHAPES, default: DEFAULT_API_SHAPES };

/**
 * A profile from its spec: "guides", "openapi" or "default", optionally followed by
 * comma-separated overrides, e.g. "openapi,sessionListing=all,retryAfter=true". Throws an Error
 * naming the bad profile, key or value and what is allowed.
 */
export function parseApiShapes(spec: string): ApiShapes {
  const [name = "", ...overrides] = spec.split(",").map((part) => part.trim());
  const base = PROFILES[name];
  if (!base) {
    throw new Error(
      `unknown API shape profile '${name}': expected one of ${Object.keys(PROFILES).join(", ")}, optionally followed by ,key=value overrides`,
    );
  }
  const shapes: ApiShapes = { ...base };
  for (const override of overrides) {
    const match = /^([^=]+)=(.*)$/.exec(override);
    if (!match) throw new Error(`API shape override '${override}' must be key=value`);
    const [, key = "", raw = ""] = match;
    if (!Object.hasOwn(API_SHAPE_VALUES, key)) {
      throw new Error(
        `unknown API shape key '${key}': expected one of ${Object.keys(API_SHAPE_VALUES).join(", ")}`,
      );
    }
    const field = key as keyof ApiShapes;
    const allowed: readonly (string | boolean)[] = API_SHAPE_VALUES[field];
    const value = allowed.find((candidate) => String(candidate) === raw);
    if (value === undefined) {
      throw new Error(`API shape '${key}' cannot be '${raw}': expected one of ${allowed.join(", ")}`);
    }
    Object.assign(shapes, { [field]: value });
  }
  return shapes;
}

/** A profile given as options allow: a profile, a spec string, or nothing (the fallback). */
export function resolveApiShapes(
  given: ApiShapes | string | undefined,
  fallback: Readonly<ApiShapes>,
): ApiShapes {
  if (given === undefined) return { ...fallback };
  return typeof given === "string" ? parseApiShapes(given) : { ...given };
}

/**
 * The spec of a profile, shortest first: a named profile alone when it is one, else the nearest
 * named profile and its overrides ("openapi,retryAfter=true"). parseApiShapes reads it back.
 */
export function describeApiShapes(shapes: Readonly<ApiShapes>): string {
  const keys = Object.keys(API_SHAPE_VALUES) as Array<keyof ApiShapes>;
  const specs = Object.entries(PROFILES).map(([name, profile]) =>
    [name, ...keys.filter((k) => profile[k] !== shapes[k]).map((k) => `${k}=${String(shapes[k])}`)].join(","),
  );
  return specs.reduce((best, spec) => (spec.split(",").length < best.split(",").length ? spec : best));
}
