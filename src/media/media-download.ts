import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { Got } from "got";
import { redact } from "../auth/redact.js";
import { packageVersion } from "../config/config.js";
import { TapError } from "../errors.js";
import { policyForNetworkError } from "../http/error-policy.js";
import { networkErrorCode } from "../http/got-client.js";
import { requestLine } from "../http/request-line.js";
import { parseRetryAfter } from "../http/retry-after.js";
import type { Logger } from "../log/logger.js";
import { realTimers, type Timers } from "../util/timers.js";
import {
  createMediaHttp,
  type MediaResponse,
  mediaType,
  openMedia,
  parseContentRange,
  readSnippet,
  s3ErrorSummary,
  withoutQuery,
} from "./media-http.js";
import type { MediaUpload, StoredObject } from "./media-storage.js";

/** One video or highlight reel to download, and how to get a URL for it. */
export interface MediaSource {
  /** What is downloaded, for messages: e.g. "the video of session <id>". */
  what: string;
  /**
   * Asks the API for a fresh pre-signed URL (a rate-limited call; the caller counts it). Null:
   * the media is gone (the API answered 404). Called once at the start and again after a 403.
   */
  freshUrl(): Promise<string | null>;
}

export interface DownloadRetryOptions {
  /** Requests again after a cut connection, a stalled or short body, or a 408, 429 or 5xx. @default 5 */
  resumes?: number;
  /** URLs asked of `freshUrl()` after the first, each after a 403 (an expired URL). @default 3 */
  freshUrls?: number;
  /** Wait before the first resume; it doubles with every resume. @default 1000 */
  minDelayMs?: number;
  /** Longest wait before a resume, Retry-After included. @default 30000 */
  maxDelayMs?: number;
}

export interface DownloadOptions {
  logger: Logger;
  /** From createMediaHttp. @default createMediaHttp with the package's user agent */
  http?: Got;
  retries?: DownloadRetryOptions;
  /** Where the waits between resumes sleep. @default realTimers */
  timers?: Timers;
  /**
   * The media type the body must have (parameters ignored), e.g. `video/mp4`. Another type is
   * taken for an error page put in the file's place (a gateway, a proxy) and is not written:
   * it is retried like a 5xx. @default any type
   */
  expectedContentType?: string;
}

export interface DownloadResult {
  stored: StoredObject;
  /** The response's Content-Type, as sent. */
  contentType: string | null;
  /** Calls of `freshUrl()`: 1 when nothing goes wrong. */
  urlRequests: number;
  /** Requests after a cut connection or a server error (bounded by `retries.resumes`). */
  resumes: number;
  /** GETs of the media URLs, resumes and requests on fresh URLs included. */
  requests: number;
  /** Bytes this call received and wrote: the size less what the upload already kept. */
  bytes: number;
}

/**
 * The media is no longer there: the API has no URL for it (`freshUrl()` gave null) or the file
 * answered 404 or 410. Nothing is wrong with the run: record it as gone and go on.
 */
export class MediaGoneError extends TapError {
  readonly code = "MEDIA_GONE";

  constructor(
    message: string,
    readonly what: string,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/**
 * The bytes written cannot be continued: the server ignored Range (200 to a ranged request:
 * `MEDIA_RANGE_IGNORED`), or the file changed under the download (another size or ETag, or a
 * 206 that starts elsewhere than asked: `MEDIA_CHANGED`). The upload was aborted: open a fresh
 * one (offset 0) and download again, once. Appending the whole file's tail instead would be
 * wrong whenever the file changed, and nothing would tell.
 */
export class MediaRestartError extends TapError {
  constructor(
    message: string,
    readonly code: "MEDIA_RANGE_IGNORED" | "MEDIA_CHANGED",
    readonly what: string,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/**
 * This call will not get the media: resumes or fresh URLs ran out (`MEDIA_RETRIES_EXHAUSTED`,
 * `MEDIA_URL_EXPIRED`), an answer retrying cannot fix (`MEDIA_HTTP_ERROR`), or the store failed
 * (`MEDIA_STORE_FAILED`). The upload was aborted; a later run may succeed.
 */
export class MediaDownloadError extends TapError {
  constructor(
    message: string,
    readonly code:
      | "MEDIA_RETRIES_EXHAUSTED"
      | "MEDIA_URL_EXPIRED"
      | "MEDIA_HTTP_ERROR"
      | "MEDIA_STORE_FAILED",
    readonly what: string,
    readonly status: number | null,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/** What one request came to, short of a thrown error (gone, restart, fatal). */
type Outcome =
  | { kind: "complete" }
  /** Try again on the same URL after a wait: counts against `resumes`. */
  | { kind: "retry"; reason: string; retryAfterMs: number | null; status: number | null }
  /** 403: the URL has expired (or is refused); ask for a new one. */
  | { kind: "refused"; reason: string };

let defaultHttp: Got | undefined;

/**
 * Streams the media from a pre-signed URL into `upload`, with backpressure (memory stays
 * constant whatever the size), resuming with `Range: bytes=<written>-` after a cut, on the
 * same URL while it is valid and on a fresh one after a 403. When `upload.offset` > 0 the
 * first request asks for what follows the kept bytes. Every 206 must continue exactly where
 * the written bytes end, with the same size and ETag. Once all bytes are written, the stream
 * is ended and the upload committed with the size; on any failure the upload is aborted.
 */
export async function download(
  source: MediaSource,
  upload: MediaUpload,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const run = new MediaDownload(source, upload, options);
  return run.run();
}

class MediaDownload {
  private readonly http: Got;
  private readonly timers: Timers;
  private readonly limits: Required<DownloadRetryOptions>;
  private readonly writer: StoreWriter;
  private url = "";
  private written: number;
  private total: number | null = null;
  private etag: string | null = null;
  private contentType: string | null = null;
  private urlRequests = 0;
  private resumes = 0;
  private requests = 0;

  constructor(
    private readonly source: MediaSource,
    private readonly upload: MediaUpload,
    private readonly options: DownloadOptions,
  ) {
    defaultHttp ??= createMediaHttp({ userAgent: `tap-usertesting/${packageVersion()}` });
    this.http = options.http ?? defaultHttp;
    this.timers = options.timers ?? realTimers;
    this.limits = { resumes: 5, freshUrls: 3, minDelayMs: 1000, maxDelayMs: 30_000, ...options.retries };
    this.written = upload.offset;
    this.writer = new StoreWriter(upload.stream, source.what);
  }

  async run(): Promise<DownloadResult> {
    try {
      await this.nextUrl();
      for (;;) {
        const outcome = await this.attempt();
        if (outcome.kind === "complete") break;
        if (outcome.kind === "refused") await this.replaceUrl(outcome.reason);
        else await this.waitToResume(outcome);
      }
      const total = this.total ?? this.written;
      await this.writer.end();
      const stored = await this.upload.commit({ bytes: total }).catch((error: unknown) => {
        throw this.writer.storeFailure(error);
      });
      return {
        stored,
        contentType: this.contentType,
        urlRequests: this.urlRequests,
        resumes: this.resumes,
        requests: this.requests,
        bytes: total - this.upload.offset,
      };
    } catch (error) {
      await this.upload.abort().catch((abortError: unknown) => {
        this.options.logger.warn(
          `${this.source.what}: aborting the upload failed too: ${String(abortError)}`,
        );
      });
      throw error;
    } finally {
      this.writer.release();
    }
  }

  private async nextUrl(): Promise<void> {
    this.urlRequests += 1;
    const url = await this.source.freshUrl();
    if (url === null) {
      throw new MediaGoneError(
        `${capitalised(this.source.what)} is gone: the API has no download URL for it (404).`,
        this.source.what,
      );
    }
    this.url = url;
  }

  private async replaceUrl(reason: string): Promise<void> {
    const refreshes = this.urlRequests - 1;
    if (refreshes >= this.limits.freshUrls) {
      throw new MediaDownloadError(
        `Could not download ${this.source.what}: its pre-signed URL was refused (${reason}) ${refreshes === 0 ? "and no fresh URL may be asked for" : `after ${refreshes} fresh URLs (the most allowed)`}.`,
        "MEDIA_URL_EXPIRED",
        this.source.what,
        403,
        withoutQuery(this.url),
      );
    }
    this.options.logger.info(
      `${this.source.what}: the download URL was refused (${reason}); asking for a fresh one (${refreshes + 1} of ${this.limits.freshUrls}) to go on from byte ${this.written}`,
    );
    await this.nextUrl();
  }

  private async waitToResume(outcome: Extract<Outcome, { kind: "retry" }>): Promise<void> {
    const where = this.total === null ? `byte ${this.written}` : `byte ${this.written} of ${this.total}`;
    if (this.resumes >= this.limits.resumes) {
      throw new MediaDownloadError(
        `Could not download ${this.source.what}: ${outcome.reason} at ${where}, after ${this.resumes} resumes (the most allowed).`,
        "MEDIA_RETRIES_EXHAUSTED",
        this.source.what,
        outcome.status,
        withoutQuery(this.url),
      );
    }
    this.resumes += 1;
    const backoff = this.limits.minDelayMs * 2 ** (this.resumes - 1);
    const waitMs = Math.min(this.limits.maxDelayMs, Math.max(backoff, outcome.retryAfterMs ?? 0));
    this.options.logger.warn(
      `${this.source.what}: ${outcome.reason} at ${where}; resuming in ${Math.ceil(waitMs / 1000)} s (resume ${this.resumes} of ${this.limits.resumes})`,
    );
    await this.timers.sleep(waitMs);
  }

  /** One GET of the current URL, from the first byte not yet written. */
  private async attempt(): Promise<Outcome> {
    const from = this.written;
    const headers: Record<string, string> = {};
    if (from > 0) {
      headers.range = `bytes=${from}-`;
      // RFC 9110 §13.1.5: a changed file then comes whole (200), never as a wrong tail.
      if (this.etag && !this.etag.startsWith("W/")) headers["if-range"] = this.etag;
    }
    this.requests += 1;
    const started = this.timers.now();
    let response: MediaResponse;
    try {
      response = await openMedia(this.http, this.url, headers);
    } catch (error) {
      const code = networkErrorCode(error) ?? "unknown error";
      this.logRequest(code, started);
      const rule = policyForNetworkError(code);
      if (rule.action === "retry")
        return { kind: "retry", reason: rule.reason, retryAfterMs: null, status: null };
      throw new MediaDownloadError(
        `Could not download ${this.source.what}: ${rule.reason}.`,
        "MEDIA_HTTP_ERROR",
        this.source.what,
        null,
        `${withoutQuery(this.url)}: ${redact(String(error))}`,
      );
    }
    const { status } = response;
    this.logRequest(status, started);
    if (status === 200 || status === 206) return this.receive(response, from);
    const snippet = await readSnippet(response.body);
    const s3 = s3ErrorSummary(snippet);
    const reason = s3 ? `${status} ${s3}` : String(status);
    const detail = `${withoutQuery(this.url)}: ${redact(snippet.slice(0, 300))}`;
    if (status === 403) return { kind: "refused", reason };
    if (status === 404 || status === 410) {
      throw new MediaGoneError(
        `${capitalised(this.source.what)} is gone: its download URL answered ${reason}.`,
        this.source.what,
        detail,
      );
    }
    if (status === 416) return this.unsatisfiable(response, from);
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(response.headers["retry-after"], this.timers.now());
      return { kind: "retry", reason: `the server answered ${reason}`, retryAfterMs, status };
    }
    throw new MediaDownloadError(
      `Could not download ${this.source.what}: its download URL answered ${reason}.`,
      "MEDIA_HTTP_ERROR",
      this.source.what,
      status,
      detail,
    );
  }

  /** A 200 or 206: check that it continues the bytes written, then stream it into the store. */
  private async receive(response: MediaResponse, from: number): Promise<Outcome> {
    let total: number;
    try {
      const accepted = this.accept(response, from);
      if (typeof accepted !== "number") {
        response.body.destroy();
        return accepted;
      }
      total = accepted;
    } catch (error) {
      response.body.destroy();
      throw error;
    }
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        if (this.written + chunk.length > total)
          throw this.restart("MEDIA_CHANGED", `the server sent more than the ${total} bytes it announced`);
        await this.writer.write(chunk);
        this.written += chunk.length;
      }
    } catch (error) {
      if (error instanceof TapError) throw error;
      const code = networkErrorCode(error) ?? "an error";
      return {
        kind: "retry",
        reason: `the connection failed mid-body (${code})`,
        retryAfterMs: null,
        status: null,
      };
    }
    if (this.written < total)
      return { kind: "retry", reason: "the body ended early", retryAfterMs: null, status: null };
    return { kind: "complete" };
  }

  /**
   * The file's size, once the answer is checked to be the file (its type), to continue the
   * bytes written (where it starts) and to be the same file (its size and ETag); a retry when
   * something else came in its place.
   */
  private accept(response: MediaResponse, from: number): number | Outcome {
    const { status, headers } = response;
    const type = headers["content-type"] ?? null;
    const expected = this.options.expectedContentType;
    if (expected && mediaType(type ?? undefined) !== mediaType(expected)) {
      return {
        kind: "retry",
        reason: `the server answered ${status} with ${type ?? "no Content-Type"} instead of ${expected}`,
        retryAfterMs: null,
        status,
      };
    }
    // Before the range checks: with If-Range, a changed file comes whole, and that is the news.
    const etag = typeof headers.etag === "string" ? headers.etag : null;
    if (this.etag !== null && etag !== null && etag !== this.etag)
      throw this.restart(
        "MEDIA_CHANGED",
        `the file changed during the download: its ETag is now ${etag}, not ${this.etag}`,
      );
    const total =
      status === 206 ? this.rangeTotal(headers["content-range"], from) : this.wholeTotal(headers, from);
    if (total === null) {
      throw new MediaDownloadError(
        `Could not download ${this.source.what}: the server answered ${status} without the file's size (no ${status === 206 ? "complete Content-Range" : "Content-Length"}), so a cut could not be told from the end.`,
        "MEDIA_HTTP_ERROR",
        this.source.what,
        status,
        withoutQuery(this.url),
      );
    }
    if (this.total !== null && total !== this.total) {
      throw this.restart(
        "MEDIA_CHANGED",
        `the file changed during the download: its size is now ${total} bytes, not ${this.total}`,
      );
    }
    this.total = total;
    this.etag ??= etag;
    this.contentType ??= type;
    return total;
  }

  /** The size a 206 announces, once its Content-Range is checked to start where the written bytes end. */
  private rangeTotal(header: string | undefined, from: number): number | null {
    const range = parseContentRange(header);
    if (range === null || range.start === null || range.total === null) return null;
    if (range.start !== from || range.end !== range.total - 1) {
      throw this.restart(
        "MEDIA_CHANGED",
        `the server answered bytes=${from}- with Content-Range ${header}, which does not continue the ${from} bytes written`,
      );
    }
    return range.total;
  }

  /** The size a 200 announces; a 200 to a ranged request cannot be appended to what is written. */
  private wholeTotal(headers: MediaResponse["headers"], from: number): number | null {
    if (from > 0) {
      throw this.restart(
        "MEDIA_RANGE_IGNORED",
        `the server ignored Range (bytes=${from}-) and sent the whole file (200), which cannot be appended to the ${from} bytes written`,
      );
    }
    const length = headers["content-length"];
    return length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
  }

  /** 416 to `bytes=<from>-`: complete when the file has exactly `from` bytes (all kept already). */
  private async unsatisfiable(response: MediaResponse, from: number): Promise<Outcome> {
    const range = parseContentRange(response.headers["content-range"]);
    if (range !== null && range.total === from && from > 0 && (this.total === null || this.total === from)) {
      this.total = from;
      this.contentType ??= response.headers["content-type"] ?? null;
      return { kind: "complete" };
    }
    const size = range?.total ?? null;
    throw this.restart(
      "MEDIA_CHANGED",
      `the server answered bytes=${from}- with 416${size === null ? "" : ` (the file has ${size} bytes)`}`,
    );
  }

  private restart(code: MediaRestartError["code"], why: string): MediaRestartError {
    return new MediaRestartError(
      `Could not continue ${this.source.what}: ${why}. The upload was dropped; download it again from the start.`,
      code,
      this.source.what,
      withoutQuery(this.url),
    );
  }

  private logRequest(outcome: number | string, started: number): void {
    this.options.logger.debug(
      requestLine("GET", withoutQuery(this.url), outcome, this.timers.now() - started, this.requests),
    );
  }
}

/**
 * Writes into the upload's stream with backpressure: the next chunk waits for 'drain'. It
 * listens for the stream's errors from start to end (an unheard 'error' would crash the
 * process) and turns them into MEDIA_STORE_FAILED.
 */
class StoreWriter {
  private failure: Error | null = null;
  private readonly onError = (error: Error) => {
    this.failure ??= error;
  };

  constructor(
    private readonly stream: Writable,
    private readonly what: string,
  ) {
    stream.on("error", this.onError);
  }

  async write(chunk: Buffer): Promise<void> {
    this.check();
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        this.stream.off("drain", onDrain).off("error", onFail).off("close", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onFail = (error: Error) => settle(error);
      const onClose = () => settle(this.failure ?? new Error("the store's stream closed before the end"));
      this.stream.on("drain", onDrain).on("error", onFail).on("close", onClose);
    }).catch((error: unknown) => {
      throw this.storeFailure(error);
    });
  }

  /** Ends the stream and waits until the store has taken every byte. */
  async end(): Promise<void> {
    this.check();
    this.stream.end();
    await finished(this.stream, { readable: false }).catch((error: unknown) => {
      throw this.storeFailure(error);
    });
  }

  release(): void {
    this.stream.off("error", this.onError);
  }

  private check(): void {
    if (this.failure) throw this.storeFailure(this.failure);
    if (this.stream.destroyed) throw this.storeFailure(new Error("the store's stream was closed"));
  }

  /** A store's error as MEDIA_STORE_FAILED, unless it is typed already. */
  storeFailure(error: unknown): TapError {
    if (error instanceof TapError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new MediaDownloadError(
      `Could not store ${this.what}: ${redact(message)}`,
      "MEDIA_STORE_FAILED",
      this.what,
      null,
      error instanceof Error ? redact(error.stack ?? message) : undefined,
    );
  }
}

const capitalised = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
