import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { type Got, got } from "got";
import { redact } from "../auth/redact.js";

export interface MediaHttpOptions {
  /** The tap's user agent (`TapConfig.userAgent`), as on every API request. */
  userAgent: string;
  /** Time to open the connection. @default 10000 */
  connectTimeoutMs?: number;
  /** Time from sending the request to the response's headers. @default 30000 */
  responseTimeoutMs?: number;
  /** Longest silence on the socket while the body streams: a stalled body fails, and is resumed. @default 30000 */
  idleTimeoutMs?: number;
}

/**
 * The got instance for pre-signed media URLs, apart from createGotClient's: the same user
 * agent, retries off and HTTP errors returned, but no Authorization ever (S3 refuses a
 * pre-signed request that also carries one: the query string is the credential), no
 * whole-request timeout (a large video takes what it takes; a stall is caught by the idle
 * timeout), and no decompression (bytes are counted against Content-Length as they arrive).
 */
export function createMediaHttp(options: MediaHttpOptions): Got {
  return got.extend({
    retry: { limit: 0 },
    throwHttpErrors: false,
    decompress: false,
    timeout: {
      connect: options.connectTimeoutMs ?? 10_000,
      response: options.responseTimeoutMs ?? 30_000,
      socket: options.idleTimeoutMs ?? 30_000,
    },
    headers: { "user-agent": options.userAgent },
  });
}

/** A response whose body has not been read: read it to the end or destroy it. */
export interface MediaResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** Sends one GET and resolves once the headers arrive (or rejects when no response comes). */
export function openMedia(http: Got, url: string, headers: Record<string, string>): Promise<MediaResponse> {
  const request = http.stream(url, { headers });
  // Failures after the headers surface where the body is read; this keeps them from crashing the process.
  request.on("error", () => {});
  return new Promise((resolve, reject) => {
    request.once("error", reject);
    request.once("response", (response: { statusCode: number; headers: IncomingHttpHeaders }) => {
      request.off("error", reject);
      resolve({ status: response.statusCode, headers: response.headers, body: request });
    });
  });
}

export type ContentRange =
  | { start: number; end: number; total: number | null }
  /** `bytes *\/N` of a 416: the file has N bytes. */
  | { start: null; end: null; total: number };

/** Parses a `Content-Range: bytes first-last/complete` header (RFC 9110 §14.4). Null when unreadable. */
export function parseContentRange(value: string | undefined): ContentRange | null {
  if (value === undefined) return null;
  const unsatisfied = /^bytes \*\/(\d+)$/.exec(value.trim());
  if (unsatisfied) return { start: null, end: null, total: Number(unsatisfied[1]) };
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value.trim());
  if (!match) return null;
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === "*" ? null : Number(match[3]);
  if (end < start || (total !== null && end >= total)) return null;
  return { start, end, total };
}

/** `AccessDenied: Request has expired` from an S3 XML error document; null when the body is not one. */
export function s3ErrorSummary(body: string): string | null {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
  if (!code) return null;
  // Without its closing full stop: the summary goes inside sentences.
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(body)?.[1]?.replace(/\.$/, "");
  return redact(message ? `${code}: ${message}` : code);
}

/** The media type of a Content-Type header, without parameters, lower case. */
export function mediaType(value: string | undefined): string | null {
  const type = value?.split(";")[0]?.trim().toLowerCase();
  return type ? type : null;
}

/** A URL fit for messages and logs: origin and path. The query string of a pre-signed URL is its credential. */
export function withoutQuery(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? "";
}

/** The first `max` bytes of an error body as text; the rest is dropped with the connection. */
export async function readSnippet(body: Readable, max = 4096): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } catch {
    // An error body cut short says as much as it got.
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString("utf8");
}
