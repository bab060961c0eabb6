import { type Got, got } from "got";

export interface GotClientOptions {
  userAgent: string;
  /** Whole-request timeout. @default 60000 */
  timeoutMs?: number;
}

/**
 * The one got instance: retries off (p-retry owns retrying, after the rate budget), HTTP
 * errors returned rather than thrown (the error policy table decides), keep-alive on.
 */
export function createGotClient(options: GotClientOptions): Got {
  return got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    timeout: { request: options.timeoutMs ?? 60_000 },
    headers: { "user-agent": options.userAgent },
    responseType: "text",
  });
}

/** The error code of a got failure (ETIMEDOUT, ECONNRESET, ...), for the error policy. */
export function networkErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; name?: string };
  if (e?.name === "TimeoutError") return "ETIMEDOUT";
  return e?.code;
}
