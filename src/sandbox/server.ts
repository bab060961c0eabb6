import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, systemClock } from "./clock.js";
import { type DatasetOptions, SandboxDataset } from "./dataset.js";
import { type Fault, FaultInjector, type FaultOptions } from "./faults.js";
import { SlidingWindowRateLimiter } from "./rate-limiter.js";
import { sendError, sendServerFault } from "./responses.js";
import { ROUTES, type Route, type RouteEnv } from "./routes.js";
import { UrlSigner } from "./signed-url.js";
import { type OAuthClient, TokenStore } from "./token-store.js";

export interface SandboxOptions extends DatasetOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  clock?: Clock;
  /** Requests per window allowed on the Results API endpoints; 0 turns the limit off. @default 10 */
  requestsPerMinute?: number;
  /** @default 60000 */
  rateWindowMs?: number;
  /** Also limit the v1 workspace endpoints (the documents limit only the Results API). @default false */
  limitWorkspaceEndpoints?: boolean;
  /** @default 3600 */
  tokenTtlSeconds?: number;
  /** @default one client, `sandbox-client-id` / `sandbox-client-secret` */
  clients?: OAuthClient[];
  faults?: FaultOptions;
  /** How long a highlight reel stays GENERATING after its first request. @default 2000 */
  reelGenerationMs?: number;
  /** @default 3600 (video-downloads.txt: one hour) */
  videoUrlTtlSeconds?: number;
  /** @default 900 (highlight-reels.txt: 15 minutes) */
  reelUrlTtlSeconds?: number;
  /** Keep a log of every request in `requests` (turn off for long benchmarks). @default true */
  recordRequests?: boolean;
  /** Called with one line per request (method, path without query, status, time). */
  log?: (line: string) => void;
}

export interface RecordedRequest {
  method: string;
  route: string;
  path: string;
  status: number;
  clientId: string | null;
  at: number;
  fault: Fault["kind"] | null;
}

export const DEFAULT_CLIENT: OAuthClient = {
  clientId: "sandbox-client-id",
  clientSecret: "sandbox-client-secret",
};
export const TOKEN_PATH = "/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token";

/** A running sandbox. `data` is the ground truth; everything else is for tests to steer it. */
export interface Sandbox {
  /** Base URL of the API, e.g. http://127.0.0.1:43117 (the vendor's https://api.use2.usertesting.com). */
  readonly url: string;
  /** The OAuth token URL (the vendor's https://auth.usertesting.com/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token). */
  readonly tokenUrl: string;
  readonly client: OAuthClient;
  readonly data: SandboxDataset;
  readonly tokens: TokenStore;
  readonly faults: FaultInjector;
  readonly rateLimiter: SlidingWindowRateLimiter;
  readonly clock: Clock;
  /** Every request served, oldest first (when `recordRequests`). */
  readonly requests: RecordedRequest[];
  /** Requests served, by route name, counted always. */
  readonly counts: Map<string, number>;
  /** A token for the default client, issued without a request (tests of static tokens). */
  issueToken(ttlSeconds?: number): string;
  /** The tap settings that point at this sandbox: client_id, client_secret, token_url, api_url. */
  tapSettings(): { client_id: string; client_secret: string; token_url: string; api_url: string };
  close(): Promise<void>;
}

function findRoute(pathname: string): { route: Route; params: string[] } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (match) return { route, params: match.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return null;
}

/** Starts the sandbox on 127.0.0.1 and resolves once it listens. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const data = new SandboxDataset(options);
  const tokens = new TokenStore(options.clients ?? [DEFAULT_CLIENT], options.tokenTtlSeconds ?? 3600, clock);
  const faults = new FaultInjector(options.faults, data.seed);
  const rateLimiter = new SlidingWindowRateLimiter(
    options.requestsPerMinute ?? 10,
    options.rateWindowMs ?? 60_000,
    clock,
  );
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  const recordRequests = options.recordRequests ?? true;
  let baseUrl = "";
  const env: RouteEnv = {
    data,
    tokens,
    signer: new UrlSigner(clock),
    clock,
    baseUrl: () => baseUrl,
    reelJobs: new Map(),
    timing: {
      reelGenerationMs: options.reelGenerationMs ?? 2000,
      videoUrlTtlSeconds: options.videoUrlTtlSeconds ?? 3600,
      reelUrlTtlSeconds: options.reelUrlTtlSeconds ?? 900,
    },
  };

  const record = (
    req: IncomingMessage,
    route: string,
    path: string,
    status: number,
    clientId: string | null,
    fault: Fault["kind"] | null,
    started: number,
  ) => {
    counts.set(route, (counts.get(route) ?? 0) + 1);
    if (recordRequests)
      requests.push({ method: req.method ?? "GET", route, path, status, clientId, at: clock.now(), fault });
    // Paths only: query strings of media URLs carry signatures, and tokens never appear in paths.
    options.log?.(
      `${req.method} ${path} ${status === 0 ? "dropped" : status} ${(performance.now() - started).toFixed(1)}ms`,
    );
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://sandbox");
    const found = findRoute(url.pathname);
    if (!found) {
      sendError(res, 404, "NOT_FOUND", "Resource not found");
      return record(req, "unknown", url.pathname, 404, null, null, started);
    }
    const { route, params } = found;
    if (!route.methods.includes(req.method ?? "")) {
      sendError(res, 405, "METHOD_NOT_ALLOWED", `${req.method} is not allowed here`, {
        Allow: route.methods.join(", "),
      });
      return record(req, route.name, url.pathname, 405, null, null, started);
    }
    let clientId: string | null = null;
    const headers: Record<string, string> = {};
    if (route.auth === "bearer") {
      const check = tokens.check(req.headers.authorization);
      if (!check.ok) {
        const message = {
          missing: "Missing access token",
          unknown: "Invalid access token",
          expired: "The access token has expired",
        }[check.reason];
        sendError(res, 401, "UNAUTHORIZED", message, {
          "WWW-Authenticate": `Bearer error="invalid_token", error_description="${message}"`,
        });
        return record(req, route.name, url.pathname, 401, null, null, started);
      }
      clientId = check.clientId;
      const limited = route.rateLimited || (options.limitWorkspaceEndpoints ?? false);
      if (limited && rateLimiter.enabled) {
        const decision = rateLimiter.take(clientId);
        headers["x-ratelimit-limit"] = String(decision.limit);
        headers["x-ratelimit-remaining"] = String(decision.remaining);
        headers["x-ratelimit-reset"] = String(decision.resetSeconds);
        if (!decision.allowed) {
          // x-ratelimit-reset (seconds left in the window) goes on every limited answer, this one too.
          if (data.shapes.retryAfter) headers["Retry-After"] = String(decision.retryAfterSeconds);
          sendError(
            res,
            429,
            "TOO_MANY_REQUESTS",
            `Rate limit exceeded: ${decision.limit} requests per minute`,
            headers,
          );
          return record(req, route.name, url.pathname, 429, clientId, null, started);
        }
      }
    }
    const fault = faults.next(route.name, url.pathname, route.auth === "bearer");
    if (fault?.kind === "drop") {
      req.socket.destroy();
      return record(req, route.name, url.pathname, 0, clientId, "drop", started);
    }
    if (fault?.kind === "truncate") {
      // The route answers as it would, with its real headers, and the connection closes half-way
      // through the body: a download cut midway, or a JSON body cut short.
      truncateHalfWay(req, res);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      await route.handle({ req, res, url, params, env });
      return record(req, route.name, url.pathname, 0, clientId, "truncate", started);
    }
    if (fault?.kind === "status") {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      sendServerFault(res, fault.status, fault.retryAfterSeconds);
      return record(req, route.name, url.pathname, fault.status, clientId, "status", started);
    }
    if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    await route.handle({ req, res, url, params, env });
    record(req, route.name, url.pathname, res.statusCode, clientId, fault?.kind ?? null, started);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A bug in the sandbox, not a fault it means to inject: say so loudly.
      process.stderr.write(
        `sandbox: internal error on ${req.method} ${req.url?.split("?")[0]}: ${String(error)}\n`,
      );
      if (!res.headersSent) sendError(res, 500, "INTERNAL_SERVER_ERROR", "Sandbox internal error");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}${TOKEN_PATH}`,
    client: (options.clients ?? [DEFAULT_CLIENT])[0] as OAuthClient,
    data,
    tokens,
    faults,
    rateLimiter,
    clock,
    requests,
    counts,
    tapSettings: () => {
      const client = (options.clients ?? [DEFAULT_CLIENT])[0] as OAuthClient;
      return {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        token_url: `${baseUrl}${TOKEN_PATH}`,
        api_url: baseUrl,
      };
    },
    issueToken: (ttlSeconds) =>
      tokens.issue((options.clients ?? [DEFAULT_CLIENT])[0]?.clientId ?? "", ttlSeconds).accessToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Makes the response's body stop half-way: the first half of its first chunk is sent, then the socket closes. */
function truncateHalfWay(req: IncomingMessage, res: ServerResponse): void {
  let cut = false;
  const write = res.write.bind(res) as (chunk: Buffer) => boolean;
  const cutShort = (chunk: unknown) => {
    if (cut) return;
    cut = true;
    const bytes = chunk === undefined || chunk === null ? Buffer.alloc(0) : Buffer.from(chunk as string);
    if (bytes.length > 1) write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    setImmediate(() => req.socket.destroy());
  };
  res.write = ((chunk: unknown) => {
    cutShort(chunk);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    cutShort(typeof chunk === "function" ? undefined : chunk);
    return res;
  }) as typeof res.end;
}
