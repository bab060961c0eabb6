import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "./clock.js";
import type { SandboxDataset } from "./dataset.js";
import { serveFile } from "./media-files.js";
import { tokenEndpoint } from "./oauth-token.js";
import { isUuid, notFound, sendError, sendJson, sendS3Error, sendText } from "./responses.js";
import type { UrlSigner } from "./signed-url.js";
import type { TokenStore } from "./token-store.js";

/** What every handler can reach. */
export interface RouteEnv {
  data: SandboxDataset;
  tokens: TokenStore;
  signer: UrlSigner;
  clock: Clock;
  baseUrl: () => string;
  /** When each highlight reel's generation was first requested (the detail endpoint starts it). */
  reelJobs: Map<string, number>;
  timing: { reelGenerationMs: number; videoUrlTtlSeconds: number; reelUrlTtlSeconds: number };
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: string[];
  env: RouteEnv;
}

/**
 * `auth`: bearer (the API), client (the token endpoint) or signed (pre-signed media URLs).
 * `rateLimited`: counts against the documented 10-a-minute limit of the Results API endpoints.
 */
export interface Route {
  name: string;
  methods: readonly string[];
  pattern: RegExp;
  auth: "bearer" | "client" | "signed";
  rateLimited: boolean;
  handle(ctx: RequestContext): void | Promise<void>;
}

const STUDIES_PAGE_SIZE = 50;
const MAX_LIMIT = 500;
const MAX_OFFSET = 10_000;
const NO_STORE = { "Cache-Control": "private, no-store" };

const badRequest = (ctx: RequestContext, message: string): void =>
  sendError(ctx.res, 400, "BAD_REQUEST", message);

/** An integer query parameter in [min, max], its default when absent, or null when invalid. */
function intParam(url: URL, name: string, fallback: number, min: number, max: number): number | null {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) return null;
  const value = Number(raw);
  return value >= min && value <= max ? value : null;
}

function listWorkspaces(ctx: RequestContext): void {
  sendJson(ctx.res, 200, ctx.env.data.workspaces());
}

function listStudies(ctx: RequestContext): void {
  const [workspaceId] = ctx.params;
  if (!isUuid(workspaceId)) return badRequest(ctx, "Invalid workspace UUID format");
  const studies = ctx.env.data.studies(workspaceId);
  if (!studies) return notFound(ctx.res);
  const after = ctx.url.searchParams.get("after");
  let position = 0;
  if (after !== null && after !== "") {
    const decoded = Buffer.from(after, "base64url").toString("utf8");
    if (!/^\d+$/.test(decoded) || Buffer.from(decoded).toString("base64url") !== after) {
      return badRequest(ctx, "Invalid cursor in 'after'");
    }
    position = Number(decoded);
  }
  // Cursors are positions in the newest-first listing: a test ordered between two requests
  // shifts every later study down by one, as with the vendor's positional cursors.
  const page = studies.slice(position, position + STUDIES_PAGE_SIZE);
  sendJson(ctx.res, 200, ctx.env.data.shapes.studyListing === "array" ? page : { studies: page });
}

function listSessions(ctx: RequestContext): void {
  const testId = ctx.url.searchParams.get("testId");
  if (testId === null || testId === "") return badRequest(ctx, "Query parameter 'testId' is required");
  if (!isUuid(testId)) return badRequest(ctx, "Invalid testId format");
  const limit = intParam(ctx.url, "limit", 25, 1, MAX_LIMIT);
  if (limit === null) return badRequest(ctx, `'limit' must be an integer from 1 to ${MAX_LIMIT}`);
  const offset = intParam(ctx.url, "offset", 0, 0, MAX_OFFSET);
  if (offset === null) return badRequest(ctx, `'offset' must be an integer from 0 to ${MAX_OFFSET}`);
  const found = ctx.env.data.sessionSummaryPage(testId, offset, limit);
  // Classic tests are not served by the Results API (obtain-a-test-id.txt): 404, like an unknown test.
  if (!found) return notFound(ctx.res);
  const page = {
    sessions: found.sessions,
    meta: { pagination: { limit, offset, totalCount: found.totalCount } },
  };
  // The items carry no testId in this reading (the dataset leaves it out): the body does.
  sendJson(
    ctx.res,
    200,
    ctx.env.data.shapes.sessionListingTestId === "top-level" ? { testId, ...page } : page,
  );
}

function sessionDetail(ctx: RequestContext): void {
  const [sessionId] = ctx.params;
  if (!isUuid(sessionId)) return badRequest(ctx, "Invalid sessionId format");
  const detail = ctx.env.data.sessionDetail(sessionId);
  if (!detail) return notFound(ctx.res);
  sendJson(ctx.res, 200, detail);
}

function transcript(ctx: RequestContext): void {
  const [sessionId] = ctx.params;
  if (!isUuid(sessionId)) return badRequest(ctx, "Invalid sessionId format");
  const found = ctx.env.data.transcript(sessionId);
  if (!found) return notFound(ctx.res);
  sendText(ctx.res, 200, "text/vtt; charset=utf-8", found.vtt);
}

function videoDownloadUrl(ctx: RequestContext): void {
  const [sessionId] = ctx.params;
  if (!isUuid(sessionId)) return badRequest(ctx, "Invalid sessionId format");
  if (!ctx.env.data.hasVideo(sessionId)) return notFound(ctx.res);
  const signed = ctx.env.signer.sign(
    ctx.env.baseUrl(),
    `/media/videos/${sessionId}.mp4`,
    ctx.env.timing.videoUrlTtlSeconds,
  );
  sendJson(ctx.res, 200, { sessionId, videoUrl: signed.url, expiresAt: signed.expiresAt }, NO_STORE);
}

/** The clips of a session's video; with none, `emptyMediaList` answers 200 or 404 ("Session video or clips not found"). */
function listClips(ctx: RequestContext): void {
  const [sessionId] = ctx.params;
  if (!isUuid(sessionId)) return badRequest(ctx, "Invalid sessionId format");
  const found = ctx.env.data.clips(sessionId);
  if (!found) return notFound(ctx.res);
  if (found.clips.length === 0 && ctx.env.data.shapes.emptyMediaList === "404") return notFound(ctx.res);
  sendJson(ctx.res, 200, found);
}

function qxScores(ctx: RequestContext): void {
  const [testId] = ctx.params;
  if (!isUuid(testId)) return badRequest(ctx, "Invalid testId format");
  const scores = ctx.env.data.qxScores(testId);
  if (!scores) return notFound(ctx.res);
  sendJson(ctx.res, 200, scores);
}

function listHighlightReels(ctx: RequestContext): void {
  const [testId] = ctx.params;
  if (!isUuid(testId)) return badRequest(ctx, "Invalid testId format");
  const found = ctx.env.data.highlightReels(testId);
  if (!found) return notFound(ctx.res);
  if (found.reels.length === 0 && ctx.env.data.shapes.emptyMediaList === "404") return notFound(ctx.res);
  const reels = found.reels.map(({ failsToGenerate: _hidden, ...reel }) => reel);
  sendJson(ctx.res, 200, { reels, studyWithClips: found.studyWithClips });
}

/**
 * highlight-reels.txt: the first request starts generation and answers GENERATING; later
 * requests answer GENERATING until the generation time has passed, then GENERATED with a
 * 15-minute pre-signed reelUrl (a new one each time), or ERROR for reels that fail.
 */
function highlightReel(ctx: RequestContext): void {
  const [testId, reelId] = ctx.params;
  if (!isUuid(testId)) return badRequest(ctx, "Invalid testId format");
  if (!isUuid(reelId)) return badRequest(ctx, "Invalid reelId format");
  const reel = ctx.env.data.highlightReels(testId)?.reels.find((r) => r.uuid === reelId);
  if (!reel) return notFound(ctx.res);
  const now = ctx.env.clock.now();
  const started = ctx.env.reelJobs.get(reelId);
  if (started === undefined || now - started < ctx.env.timing.reelGenerationMs) {
    if (started === undefined) ctx.env.reelJobs.set(reelId, now);
    return sendJson(ctx.res, 200, { reelId, status: "GENERATING", reelUrl: null }, NO_STORE);
  }
  if (reel.failsToGenerate)
    return sendJson(ctx.res, 200, { reelId, status: "ERROR", reelUrl: null }, NO_STORE);
  const signed = ctx.env.signer.sign(
    ctx.env.baseUrl(),
    `/media/reels/${reelId}.mp4`,
    ctx.env.timing.reelUrlTtlSeconds,
  );
  sendJson(ctx.res, 200, { reelId, status: "GENERATED", reelUrl: signed.url }, NO_STORE);
}

function mediaFile(ctx: RequestContext): void {
  const [kind, id] = ctx.params;
  const verdict = ctx.env.signer.verify(ctx.url.pathname, ctx.url.searchParams);
  if (verdict === "expired") return sendS3Error(ctx.res, "AccessDenied", "Request has expired");
  if (verdict === "invalid") {
    return sendS3Error(
      ctx.res,
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided.",
    );
  }
  const bytes = id && (kind === "videos" ? ctx.env.data.video(id) : ctx.env.data.reelFile(id));
  if (!bytes) return sendS3Error(ctx.res, "AccessDenied", "Access Denied");
  serveFile(ctx.req, ctx.res, bytes, "video/mp4");
}

const UUID_SEGMENT = "([^/]+)";

/**
 * Every endpoint of ../shared/api-docs, the OpenAPI's clip list, and the media files the
 * pre-signed URLs point at.
 */
export const ROUTES: readonly Route[] = [
  {
    name: "token",
    methods: ["POST"],
    pattern: /^\/oauth2\/[^/]+\/v1\/token$/,
    auth: "client",
    rateLimited: false,
    handle: tokenEndpoint,
  },
  {
    name: "workspaces",
    methods: ["GET"],
    pattern: /^\/usertesting\/api\/v1\/workspaces\/?$/,
    auth: "bearer",
    rateLimited: false,
    handle: listWorkspaces,
  },
  {
    name: "workspace",
    methods: ["GET"],
    pattern: new RegExp(`^/usertesting/api/v1/workspaces/${UUID_SEGMENT}/?$`),
    auth: "bearer",
    rateLimited: false,
    handle: listStudies,
  },
  {
    name: "sessionResults",
    methods: ["GET"],
    pattern: /^\/api\/v2\/sessionResults\/?$/,
    auth: "bearer",
    rateLimited: true,
    handle: listSessions,
  },
  {
    name: "sessionDetail",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v3/sessionResults/${UUID_SEGMENT}/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: sessionDetail,
  },
  {
    name: "transcript",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/sessionResults/${UUID_SEGMENT}/transcript/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: transcript,
  },
  {
    name: "videoDownloadUrl",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/sessionResults/${UUID_SEGMENT}/videoDownloadUrl/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: videoDownloadUrl,
  },
  {
    name: "clips",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/sessionResults/${UUID_SEGMENT}/clips/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: listClips,
  },
  {
    name: "qxScores",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/testResults/${UUID_SEGMENT}/qxScores/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: qxScores,
  },
  {
    name: "highlightReels",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/testResults/${UUID_SEGMENT}/highlightreels/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: listHighlightReels,
  },
  {
    name: "highlightReel",
    methods: ["GET"],
    pattern: new RegExp(`^/api/v2/testResults/${UUID_SEGMENT}/highlightreels/${UUID_SEGMENT}/?$`),
    auth: "bearer",
    rateLimited: true,
    handle: highlightReel,
  },
  {
    name: "media",
    methods: ["GET", "HEAD"],
    pattern: /^\/media\/(videos|reels)\/([^/]+)\.mp4$/,
    auth: "signed",
    rateLimited: false,
    handle: mediaFile,
  },
];
