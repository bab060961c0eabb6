import type { Got, Response } from "got";
import pRetry, { AbortError } from "p-retry";
import { type Endpoint, fillTemplate } from "../api/endpoints.js";
import type { TokenProvider } from "../auth/token-provider.js";
import { ApiError, AuthError, type TapError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import type { RequestBudget } from "../rate-limit/request-budget.js";
import { realTimers, type Timers } from "../util/timers.js";
import { policyForNetworkError, policyForStatus } from "./error-policy.js";
import { networkErrorCode } from "./got-client.js";
import { requestLine } from "./request-line.js";
import type { RequestStats } from "./request-stats.js";
import { parseRetryAfter, rateLimitWait } from "./retry-after.js";

export interface RetryOptions {
  /** Retries of server errors and network failures. @default 6 */
  retries?: number;
  /** First backoff delay; doubles each time, with jitter. @default 2000 */
  minTimeoutMs?: number;
  /** @default 120000 */
  maxTimeoutMs?: number;
  /** 429s tolerated for one request before giving up (they wait, and do not use up retries). @default 20 */
  maxRateLimited?: number;
  /** First wait after a 429 that says nothing of when to come back (doubles per 429, up to 32x). @default 1000 */
  rateLimitBackoffMs?: number;
}

export interface ApiHttpOptions {
  apiUrl: string;
  http: Got;
  auth: TokenProvider;
  budget: RequestBudget;
  stats: RequestStats;
  logger: Logger;
  timers?: Timers;
  retry?: RetryOptions;
}

export type ApiResult<T> = { found: true; body: T; headers: Response["headers"] } | { found: false };

/** A failure worth another attempt; `consumes` false for 429 and the one 401 refresh. */
class RetryableError extends Error {
  constructor(
    readonly final: TapError,
    readonly consumes = true,
  ) {
    super(final.message);
  }
}

/**
 * Sends one API request the way every request must go: acquire from the shared budget, add
 * a current token, send, then let the error-policy table decide (return, "none" for 404,
 * retry with backoff, wait out a 429, refresh the token once on 401, or fail).
 */
export class ApiHttp {
  private readonly timers: Timers;
  private readonly retry: Required<RetryOptions>;

  constructor(private readonly options: ApiHttpOptions) {
    this.timers = options.timers ?? realTimers;
    this.retry = {
      retries: 6,
      minTimeoutMs: 2000,
      maxTimeoutMs: 120_000,
      maxRateLimited: 20,
      rateLimitBackoffMs: 1000,
      ...options.retry,
    };
  }

  async get<T>(
    endpoint: Endpoint,
    params: Record<string, string> = {},
    query: Record<string, string | number> = {},
  ): Promise<ApiResult<T>> {
    const path = fillTemplate(endpoint.template, params);
    const search = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
    const url = `${this.options.apiUrl}${path}${search ? `?${search}` : ""}`;
    let refreshed = false;
    let rateLimited = 0;
    let attempt = 0;
    const describe = (reason: string) => `GET ${endpoint.template} failed: ${reason}`;

    const once = async (): Promise<ApiResult<T>> => {
      attempt += 1;
      const { budget, auth, http } = this.options;
      // Budget first, then the token: a long wait for the budget must not outlive the token.
      const release = endpoint.rateLimited ? await budget.acquire() : () => {};
      let token: string;
      try {
        token = await auth.getToken();
      } catch (error) {
        release();
        throw new AbortError(error as Error);
      }
      const started = this.timers.now();
      let response: Response<string>;
      try {
        response = (await http.get(url, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: endpoint.responseType === "json" ? "application/json" : "text/vtt, text/plain, */*",
          },
        })) as Response<string>;
      } catch (error) {
        const code = networkErrorCode(error);
        this.recordAttempt(endpoint, { status: null, error: code ?? "error", bytes: 0, started, attempt });
        const rule = policyForNetworkError(code);
        const failure = new ApiError(describe(rule.reason), endpoint.template, null, String(error));
        throw rule.action === "retry" ? new RetryableError(failure) : new AbortError(failure);
      } finally {
        release();
      }
      this.recordAttempt(endpoint, {
        status: response.statusCode,
        error: null,
        bytes: Buffer.byteLength(response.body ?? ""),
        started,
        attempt,
      });
      const earlierReset = budget.serverResetIn();
      if (endpoint.rateLimited) budget.observe(response.headers);
      const rule = policyForStatus(response.statusCode);
      switch (rule.action) {
        case "success":
          return { found: true, body: this.parse<T>(endpoint, response), headers: response.headers };
        case "answer-none":
          return { found: false };
        case "refresh-token": {
          if (refreshed) {
            throw new AbortError(
              new AuthError(
                `The API refused a freshly issued access token for ${endpoint.template} (401 twice). Check that the OAuth client may read this workspace's results (scope studies:read).`,
              ),
            );
          }
          refreshed = true;
          auth.invalidate(token);
          // A static token cannot be replaced: getToken now throws the clear "refused (401)" error.
          await auth.getToken().catch((error: unknown) => {
            throw new AbortError(error as Error);
          });
          throw new RetryableError(new ApiError(describe(rule.reason), endpoint.template, 401), false);
        }
        case "rate-limited": {
          rateLimited += 1;
          // The earlier reset is read before this answer's headers are observed.
          const wait = rateLimitWait(
            response.headers,
            this.timers.now(),
            earlierReset,
            rateLimited,
            this.retry.rateLimitBackoffMs,
          );
          // Every caller waits, not only this one: the budget is shared.
          budget.pauseFor(wait.ms);
          const failure = new ApiError(
            describe(`${rule.reason} ${rateLimited} times`),
            endpoint.template,
            429,
          );
          if (rateLimited > this.retry.maxRateLimited) throw new AbortError(failure);
          this.options.logger.warn(
            `${endpoint.template}: 429 rate limited; all requests wait ${Math.ceil(wait.ms / 1000)} s (${wait.basis})`,
          );
          throw new RetryableError(failure, false);
        }
        case "retry": {
          const wait = parseRetryAfter(response.headers["retry-after"], this.timers.now());
          if (wait !== null && endpoint.rateLimited) budget.pauseFor(wait);
          throw new RetryableError(
            new ApiError(
              describe(rule.reason),
              endpoint.template,
              response.statusCode,
              this.snippet(response),
            ),
          );
        }
        default:
          throw new AbortError(
            new ApiError(
              describe(rule.reason),
              endpoint.template,
              response.statusCode,
              this.snippet(response),
            ),
          );
      }
    };

    try {
      return await pRetry(once, {
        retries: this.retry.retries,
        minTimeout: this.retry.minTimeoutMs,
        maxTimeout: this.retry.maxTimeoutMs,
        factor: 2,
        randomize: true,
        shouldConsumeRetry: ({ error }) => !(error instanceof RetryableError) || error.consumes,
        shouldRetry: ({ error }) => error instanceof RetryableError,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (!(error instanceof RetryableError)) return;
          this.options.stats.recordRetry();
          if (error.consumes)
            this.options.logger.warn(`${error.message}; retrying (${retriesLeft} retries left)`);
        },
      });
    } catch (error) {
      if (error instanceof RetryableError) {
        const final = error.final;
        if (final instanceof ApiError) {
          throw new ApiError(
            `${final.message}, after ${attempt} attempts`,
            final.endpoint,
            final.status,
            final.detail,
          );
        }
        throw final;
      }
      throw error;
    }
  }

  /** Every attempt is counted, and at debug level logged as one line without query string or token. */
  private recordAttempt(
    endpoint: Endpoint,
    outcome: { status: number | null; error: string | null; bytes: number; started: number; attempt: number },
  ): void {
    const durationMs = this.timers.now() - outcome.started;
    const { status, error, bytes, attempt } = outcome;
    this.options.stats.record({ endpoint: endpoint.name, status, error, bytes, durationMs, attempt });
    this.options.logger.debug(
      requestLine("GET", endpoint.template, status ?? error ?? "error", durationMs, attempt),
    );
  }

  private parse<T>(endpoint: Endpoint, response: Response<string>): T {
    if (endpoint.responseType === "text") return response.body as T;
    try {
      return JSON.parse(response.body) as T;
    } catch {
      throw new RetryableError(
        new ApiError(
          `GET ${endpoint.template} answered 200 with a body that is not JSON`,
          endpoint.template,
          200,
          this.snippet(response),
        ),
      );
    }
  }

  private snippet(response: Response<string>): string {
    return String(response.body ?? "").slice(0, 200);
  }
}
