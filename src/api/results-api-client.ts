import { ApiResponseError } from "../errors.js";
import type { ApiHttp } from "../http/api-http.js";
import type { Logger } from "../log/logger.js";
import { CursorPaginator } from "../pagination/cursor-paginator.js";
import { OffsetPaginator } from "../pagination/offset-paginator.js";
import { ENDPOINTS } from "./endpoints.js";
import {
  readClipList,
  readHighlightReelList,
  readSessionSummary,
  readStudies,
  readWorkspace,
} from "./read-bodies.js";
import { expectArray, expectNumber, expectObject, expectString } from "./response-shape.js";
import type {
  ApiClipList,
  ApiHighlightReelList,
  ApiHighlightReelStatus,
  ApiSessionDetail,
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

/**
 * Typed functions for every endpoint of the Results API documents. Methods answer null where
 * the API answers 404 (a classic test, no transcript, no video, no QX scores): an answer, not
 * an error. Paging is async iteration.
 */
export class ResultsApiClient {
  /** Status spellings already reported as unknown (each is reported once a run). */
  private readonly unknownStatuses = new Set<string>();

  constructor(
    private readonly http: ApiHttp,
    private readonly logger: Logger,
  ) {}

  async workspaces(): Promise<ApiWorkspace[]> {
    const endpoint = ENDPOINTS.workspaces;
    const result = await this.http.get<unknown>(endpoint);
    if (!result.found) return [];
    return expectArray(result.body, endpoint, "(body)").map((w, i) => readWorkspace(w, endpoint, `[${i}]`));
  }

  /** Studies (tests) of a workspace, a page at a time, each study once. Null: unknown workspace. */
  async *studies(workspaceId: string): AsyncGenerator<ApiStudy[]> {
    const endpoint = ENDPOINTS.workspaceStudies;
    const paginator = new CursorPaginator();
    const seen = new Set<string>();
    let query: { after?: string } | null = paginator.first();
    while (query) {
      const result = await this.http.get<unknown>(endpoint, { workspaceId }, query);
      if (!result.found) {
        this.logger.warn(`Workspace ${workspaceId} was not found (404); skipping it.`);
        return;
      }
      const items: ApiStudy[] = readStudies(result.body, endpoint);
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
    const result = await this.http.get<unknown>(endpoint, {}, { testId, ...query });
    if (!result.found) return null;
    const body = expectObject(result.body, endpoint, "(body)");
    const meta = body.meta as { pagination?: { totalCount?: unknown } } | undefined;
    const totalCount = expectNumber(meta?.pagination?.totalCount, endpoint, "meta.pagination.totalCount");
    const sessions: ApiSessionSummary[] = expectArray(body.sessions, endpoint, "sessions").map((item, i) => {
      const { summary, unknownStatus } = readSessionSummary(item, testId, endpoint, `sessions[${i}]`);
      if (unknownStatus !== null && !this.unknownStatuses.has(unknownStatus)) {
        this.unknownStatuses.add(unknownStatus);
        this.logger.warn(
          `GET ${endpoint.template} lists sessions with status ${JSON.stringify(unknownStatus)}, which the tap does not know: a session with a finishTime is treated as completed, one without as unfinished (reported once).`,
        );
      }
      return summary;
    });
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

  /** The clips researchers marked in a session's video, or null (404: no video, or no clips). */
  async clips(sessionId: string): Promise<ApiClipList | null> {
    const endpoint = ENDPOINTS.clips;
    const result = await this.http.get<unknown>(endpoint, { sessionId });
    return result.found ? readClipList(result.body, endpoint) : null;
  }

  async qxScores(testId: string): Promise<Record<string, unknown> | null> {
    const endpoint = ENDPOINTS.qxScores;
    const result = await this.http.get<unknown>(endpoint, { testId });
    return result.found ? expectObject(result.body, endpoint, "(body)") : null;
  }

  /** A test's highlight reels, or null: 404 (the OpenAPI: "Test or highlight reels not found"). */
  async highlightReels(testId: string): Promise<ApiHighlightReelList | null> {
    const endpoint = ENDPOINTS.highlightReels;
    const result = await this.http.get<unknown>(endpoint, { testId });
    return result.found ? readHighlightReelList(result.body, endpoint) : null;
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
