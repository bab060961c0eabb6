import { ApiResponseError } from "../errors.js";
import type { ApiHttp } from "../http/api-http.js";
import type { Logger } from "../log/logger.js";
import { CursorPaginator } from "../pagination/cursor-paginator.js";
import { OffsetPaginator } from "../pagination/offset-paginator.js";
import { ENDPOINTS, type Endpoint } from "./endpoints.js";
import type {
  ApiHighlightReelList,
  ApiHighlightReelStatus,
  ApiSessionDetail,
  ApiSessionPage,
  ApiSessionSummary,
  ApiStudy,
  ApiVideoDownload,
  ApiWorkspace,
} from "./types.js";

/** One page of a test's sessions, with what paging knows at that point. */
export interface SessionPage {
  testId: string;
  offset: number;
  totalCount: number;
  /** Sessions not seen on an earlier page (sessions shift down when new ones arrive mid-paging). */
  sessions: ApiSessionSummary[];
  /** Sessions of this page already yielded on an earlier page. */
  duplicates: number;
}

/** A test's session listing: its first page is already fetched (it tells 200 from 404). */
export interface SessionListing {
  testId: string;
  totalCount: number;
  firstPage: SessionPage;
  /** Every page, the first included, newest sessions first. */
  pages(): AsyncGenerator<SessionPage>;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

function shapeError(endpoint: Endpoint, field: string, expected: string, value: unknown): ApiResponseError {
  return new ApiResponseError(
    `GET ${endpoint.template} answered with an unexpected shape: '${field}' should be ${expected} but is ${describeValue(value)}.`,
    endpoint.template,
    field,
  );
}

function expectArray(value: unknown, endpoint: Endpoint, field: string): unknown[] {
  if (!Array.isArray(value)) throw shapeError(endpoint, field, "an array", value);
  return value;
}

function expectString(value: unknown, endpoint: Endpoint, field: string): string {
  if (typeof value !== "string" || value === "")
    throw shapeError(endpoint, field, "a non-empty string", value);
  return value;
}

function expectNumber(value: unknown, endpoint: Endpoint, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw shapeError(endpoint, field, "a number", value);
  return value;
}

/**
 * Typed functions for every endpoint of the Results API documents. Methods answer null where
 * the API answers 404 (a classic test, no transcript, no video, no QX scores): an answer, not
 * an error. Paging is async iteration.
 */
export class ResultsApiClient {
  constructor(
    private readonly http: ApiHttp,
    private readonly logger: Logger,
  ) {}

  async workspaces(): Promise<ApiWorkspace[]> {
    const endpoint = ENDPOINTS.workspaces;
    const result = await this.http.get<unknown>(endpoint);
    if (!result.found) return [];
    return expectArray(result.body, endpoint, "(body)").map((w, i) => {
      const item = w as Record<string, unknown>;
      return {
        uuid: expectString(item?.uuid, endpoint, `[${i}].uuid`),
        name: typeof item.name === "string" ? item.name : "",
      };
    });
  }

  /** Studies (tests) of a workspace, a page at a time, each study once. Null: unknown workspace. */
  async *studies(workspaceId: string): AsyncGenerator<ApiStudy[]> {
    const endpoint = ENDPOINTS.workspaceStudies;
    const paginator = new CursorPaginator();
    const seen = new Set<string>();
    let query: { after?: string } | null = paginator.first();
    while (query) {
      const result = await this.http.get<{ studies?: unknown }>(endpoint, { workspaceId }, query);
      if (!result.found) {
        this.logger.warn(`Workspace ${workspaceId} was not found (404); skipping it.`);
        return;
      }
      const items = expectArray(result.body?.studies, endpoint, "studies") as ApiStudy[];
      for (const [i, s] of items.entries()) expectString(s?.uuid, endpoint, `studies[${i}].uuid`);
      // Positional cursors shift when a test is ordered mid-paging: a study can come twice.
      const fresh = items.filter((s) => !seen.has(s.uuid));
      for (const s of fresh) seen.add(s.uuid);
      if (fresh.length > 0) yield fresh;
      query = paginator.next(items);
    }
    if (paginator.repeatedCursor) {
      this.logger.warn(
        `Workspace ${workspaceId}: the API repeated cursor '${paginator.repeatedCursor}'; stopped paging to avoid a loop (${seen.size} studies read).`,
      );
    }
  }

  /** Opens a test's session listing (limit 500, the fewest calls). Null: not a Results API test (404). */
  async openSessions(testId: string, options: { limit?: number } = {}): Promise<SessionListing | null> {
    const paginator = new OffsetPaginator(options.limit ?? 500);
    const seen = new Set<string>();
    const first = await this.sessionPage(testId, paginator.first(), seen);
    if (!first) return null;
    const logger = this.logger;
    const self = this;
    return {
      testId,
      totalCount: first.totalCount,
      firstPage: first,
      async *pages() {
        let page: SessionPage | null = first;
        while (page) {
          yield page;
          const query = paginator.next({
            offset: page.offset,
            limit: paginator.limit,
            totalCount: page.totalCount,
          });
          if (!query) break;
          page = await self.sessionPage(testId, query, seen);
          if (!page)
            throw new ApiResponseError(
              `GET ${ENDPOINTS.sessionResults.template} answered 404 for test ${testId} in the middle of paging.`,
              ENDPOINTS.sessionResults.template,
              "testId",
            );
        }
        if (paginator.unreachable > 0) {
          logger.warn(
            `Test ${testId} has ${paginator.unreachable} sessions beyond the API's offset limit (offset 10000 + ${paginator.limit}); the Results API cannot list them, so they are not synced.`,
          );
        }
      },
    };
  }

  private async sessionPage(
    testId: string,
    query: { limit: number; offset: number },
    seen: Set<string>,
  ): Promise<SessionPage | null> {
    const endpoint = ENDPOINTS.sessionResults;
    const result = await this.http.get<ApiSessionPage>(endpoint, {}, { testId, ...query });
    if (!result.found) return null;
    const sessions = expectArray(result.body?.sessions, endpoint, "sessions") as ApiSessionSummary[];
    const totalCount = expectNumber(
      result.body?.meta?.pagination?.totalCount,
      endpoint,
      "meta.pagination.totalCount",
    );
    for (const [i, s] of sessions.entries()) expectString(s?.sessionId, endpoint, `sessions[${i}].sessionId`);
    const fresh = sessions.filter((s) => !seen.has(s.sessionId));
    for (const s of fresh) seen.add(s.sessionId);
    return {
      testId,
      offset: query.offset,
      totalCount,
      sessions: fresh,
      duplicates: sessions.length - fresh.length,
    };
  }

  async sessionDetail(sessionId: string): Promise<ApiSessionDetail | null> {
    const endpoint = ENDPOINTS.sessionDetail;
    const result = await this.http.get<ApiSessionDetail>(endpoint, { sessionId });
    if (!result.found) return null;
    if (result.body === null || typeof result.body !== "object") {
      throw new ApiResponseError(
        `GET ${endpoint.template} answered with an unexpected shape: the body is not an object.`,
        endpoint.template,
        "(body)",
      );
    }
    return result.body;
  }

  /** The WebVTT text as served, or null when the session has no transcript. */
  async transcript(sessionId: string): Promise<string | null> {
    const result = await this.http.get<string>(ENDPOINTS.transcript, { sessionId });
    return result.found ? result.body : null;
  }

  /** A pre-signed video URL (valid one hour), or null when there is no video. Never log the URL. */
  async videoDownloadUrl(sessionId: string): Promise<ApiVideoDownload | null> {
    const endpoint = ENDPOINTS.videoDownloadUrl;
    const result = await this.http.get<ApiVideoDownload>(endpoint, { sessionId });
    if (!result.found) return null;
    expectString(result.body?.videoUrl, endpoint, "videoUrl");
    return result.body;
  }

  async qxScores(testId: string): Promise<Record<string, unknown> | null> {
    const result = await this.http.get<Record<string, unknown>>(ENDPOINTS.qxScores, { testId });
    return result.found ? result.body : null;
  }

  async highlightReels(testId: string): Promise<ApiHighlightReelList | null> {
    const endpoint = ENDPOINTS.highlightReels;
    const result = await this.http.get<ApiHighlightReelList>(endpoint, { testId });
    if (!result.found) return null;
    expectArray(result.body?.reels, endpoint, "reels");
    return result.body;
  }

  /** One reel's status; the first call starts generation (highlight-reels.txt). */
  async highlightReel(testId: string, reelId: string): Promise<ApiHighlightReelStatus | null> {
    const endpoint = ENDPOINTS.highlightReel;
    const result = await this.http.get<ApiHighlightReelStatus>(endpoint, { testId, reelId });
    if (!result.found) return null;
    expectString(result.body?.status, endpoint, "status");
    return result.body;
  }
}
