import { OAuthTokenProvider, StaticTokenProvider, type TokenProvider } from "../auth/token-provider.js";
import type { TapConfig } from "../config/config.js";
import { ApiHttp, type RetryOptions } from "../http/api-http.js";
import { createGotClient } from "../http/got-client.js";
import { RequestStats } from "../http/request-stats.js";
import { Logger } from "../log/logger.js";
import { RequestBudget } from "../rate-limit/request-budget.js";
import { realTimers, type Timers } from "../util/timers.js";
import { ResultsApiClient } from "./results-api-client.js";

export interface ClientParts {
  client: ResultsApiClient;
  http: ApiHttp;
  auth: TokenProvider;
  budget: RequestBudget;
  stats: RequestStats;
}

export interface ClientOverrides {
  logger?: Logger;
  timers?: Timers;
  retry?: RetryOptions;
  /** Shorter windows let tests and benchmarks scale the limit. @default 60000 */
  rateWindowMs?: number;
  timeoutMs?: number;
  tokenRetryMinTimeoutMs?: number;
  /** Told when requests wait for the rate limit for a while, with when the wait ends. */
  onRateLimitWait?: (until: number) => void;
}

/** Wires the client from the configuration: one got instance, one token provider, one budget. */
export function createApiClient(config: TapConfig, overrides: ClientOverrides = {}): ClientParts {
  const logger = overrides.logger ?? new Logger();
  const timers = overrides.timers ?? realTimers;
  const http = createGotClient({ userAgent: config.userAgent, timeoutMs: overrides.timeoutMs });
  const auth: TokenProvider =
    config.credentials.kind === "client_credentials"
      ? new OAuthTokenProvider({
          tokenUrl: config.tokenUrl,
          clientId: config.credentials.clientId,
          clientSecret: config.credentials.clientSecret,
          http,
          logger,
          timers,
          retryMinTimeoutMs: overrides.tokenRetryMinTimeoutMs,
        })
      : new StaticTokenProvider(config.credentials.accessToken, timers);
  const budget = new RequestBudget({
    requestsPerWindow: config.requestsPerMinute,
    windowMs: overrides.rateWindowMs,
    maxConcurrency: config.maxConcurrency,
    timers,
    ...(overrides.onRateLimitWait ? { onLongWait: overrides.onRateLimitWait } : {}),
    onLimitLowered: (limit) =>
      logger.warn(
        `The API reports a limit of ${limit} requests a minute, below requests_per_minute; using ${limit}.`,
      ),
  });
  const stats = new RequestStats();
  const apiHttp = new ApiHttp({
    apiUrl: config.apiUrl,
    http,
    auth,
    budget,
    stats,
    logger,
    timers,
    retry: overrides.retry,
  });
  return { client: new ResultsApiClient(apiHttp, logger), http: apiHttp, auth, budget, stats };
}
