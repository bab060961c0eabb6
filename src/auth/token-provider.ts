import type { Got, Response } from "got";
import pRetry, { AbortError } from "p-retry";
import { AuthError } from "../errors.js";
import { networkErrorCode } from "../http/got-client.js";
import { requestLine } from "../http/request-line.js";
import type { Logger } from "../log/logger.js";
import { realTimers, type Timers } from "../util/timers.js";
import { registerSecret } from "./redact.js";

/**
 * The only place that knows about tokens. Callers ask for a token before each request and
 * report one the API refused; the provider decides whether and how to get a new one.
 */
export interface TokenProvider {
  getToken(): Promise<string>;
  /** The API answered 401 to `token`: forget it, so the next getToken fetches another. */
  invalidate(token: string): void;
}

export interface OAuthTokenProviderOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  http: Got;
  logger: Logger;
  timers?: Timers;
  /** Refresh this long before expiry (classify-tests-by-type.txt: 5 minutes), at most a tenth of the lifetime. @default 300000 */
  refreshMarginMs?: number;
  /** Retries of the token request on network errors and 5xx. @default 4 */
  retries?: number;
  /** First retry delay. @default 1000 */
  retryMinTimeoutMs?: number;
}

/**
 * OAuth 2.0 client-credentials grant (generate-token.py): a form POST with scope studies:read.
 * Refreshes proactively before expiry, and only once however many requests are waiting.
 */
export class OAuthTokenProvider implements TokenProvider {
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly timers: Timers;
  /** Tokens fetched so far (tests assert single-flight refresh with it). */
  fetches = 0;

  constructor(private readonly options: OAuthTokenProviderOptions) {
    this.timers = options.timers ?? realTimers;
    registerSecret(options.clientSecret);
  }

  async getToken(): Promise<string> {
    if (this.current && this.timers.now() < this.current.refreshAt) return this.current.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, http, logger } = this.options;
    const body = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: "studies:read",
    }).toString();
    const fetchesBefore = this.fetches;
    const tokenPath = urlPath(tokenUrl);
    const response = await pRetry(
      async () => {
        this.fetches += 1;
        const attempt = this.fetches - fetchesBefore;
        const started = this.timers.now();
        const logAttempt = (outcome: number | string) =>
          logger.debug(requestLine("POST", tokenPath, outcome, this.timers.now() - started, attempt));
        let res: Response<string>;
        try {
          res = (await http.post(tokenUrl, {
            body,
            headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          })) as Response<string>;
        } catch (error) {
          const code = networkErrorCode(error);
          logAttempt(code ?? "error");
          throw new Error(`the token endpoint could not be reached (${code ?? "network error"})`);
        }
        logAttempt(res.statusCode);
        if (res.statusCode >= 500 || res.statusCode === 429)
          throw new Error(`the token endpoint answered ${res.statusCode}`);
        if (res.statusCode !== 200) throw new AbortError(this.refusal(res.statusCode, String(res.body)));
        return res;
      },
      {
        retries: this.options.retries ?? 4,
        minTimeout: this.options.retryMinTimeoutMs ?? 1000,
        factor: 2,
        randomize: true,
        onFailedAttempt: ({ error, retriesLeft }) => {
          if (!(error instanceof AuthError))
            logger.warn(`OAuth token request failed: ${error.message}; ${retriesLeft} retries left`);
        },
      },
    ).catch((error: unknown) => {
      if (error instanceof AuthError) throw error;
      throw new AuthError(
        `Could not get an access token from ${tokenUrl}: ${(error as Error).message}. Check token_url and the network.`,
      );
    });
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(String(response.body)) as typeof parsed;
    } catch {
      throw new AuthError(
        `The token endpoint ${tokenUrl} answered 200 with a body that is not JSON. Check token_url.`,
      );
    }
    if (typeof parsed.access_token !== "string" || parsed.access_token === "") {
      throw new AuthError(
        `The token endpoint ${tokenUrl} answered without an access_token. Check token_url.`,
      );
    }
    registerSecret(parsed.access_token);
    const lifetimeMs =
      (typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 3600) * 1000;
    const margin = Math.min(this.options.refreshMarginMs ?? 300_000, lifetimeMs / 10);
    this.current = { token: parsed.access_token, refreshAt: this.timers.now() + lifetimeMs - margin };
    logger.debug(
      `OAuth token obtained, valid ${Math.round(lifetimeMs / 1000)} s, refresh in ${Math.round((lifetimeMs - margin) / 1000)} s`,
    );
    return parsed.access_token;
  }

  private refusal(status: number, body: string): AuthError {
    let reason = `HTTP ${status}`;
    try {
      const parsed = JSON.parse(body) as { error?: string; error_description?: string };
      if (parsed.error)
        reason = `${parsed.error}${parsed.error_description ? `: ${parsed.error_description}` : ""}`;
    } catch {
      // Not JSON: the status says enough.
    }
    const hint =
      status === 401
        ? "Check client_id and client_secret."
        : "Check token_url and that the client may use scope studies:read.";
    return new AuthError(`The OAuth server refused the client credentials (${reason}). ${hint}`);
  }
}

/** A URL's path for logs (no query string, no credentials in the authority). */
function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "(token_url)";
  }
}

/** Expiry of a JWT access token, if the token is a JWT with an `exp` claim. */
function jwtExpiry(token: string): number | null {
  const [, payload] = token.split(".");
  if (!payload) return null;
  try {
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : null;
  } catch {
    return null;
  }
}

const STATIC_ADVICE =
  "A static token cannot be refreshed: supply a new access_token, or configure client_id and client_secret so the tap refreshes tokens itself.";

/**
 * A token given in the configuration. It cannot be refreshed: a refusal is a clear, final
 * error. A 401 cannot tell an expired token from a wrong one, so the message names both.
 */
export class StaticTokenProvider implements TokenProvider {
  private rejected = false;
  private readonly expiresAt: number | null;

  constructor(
    private readonly token: string,
    private readonly timers: Timers = realTimers,
  ) {
    registerSecret(token);
    this.expiresAt = jwtExpiry(token);
  }

  async getToken(): Promise<string> {
    if (this.rejected) {
      throw new AuthError(
        `The static access_token was refused (401): expired or not valid. ${STATIC_ADVICE}`,
        "TOKEN_EXPIRED",
      );
    }
    if (this.expiresAt !== null && this.timers.now() >= this.expiresAt) {
      throw new AuthError(
        `The static access_token expired at ${new Date(this.expiresAt).toISOString()} (its exp claim). ${STATIC_ADVICE}`,
        "TOKEN_EXPIRED",
      );
    }
    return this.token;
  }

  invalidate(): void {
    this.rejected = true;
  }
}
