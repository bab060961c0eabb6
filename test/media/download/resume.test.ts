import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log/logger.js";
import {
  type DownloadOptions,
  download,
  MediaDownloadError,
  MediaRestartError,
} from "../../../src/media/media-download.js";
import { createMediaHttp } from "../../../src/media/media-http.js";
import { ManualClock } from "../../../src/sandbox/index.js";
import { useSandbox } from "../../helpers/sandbox.js";
import { useMediaProxy } from "./media-proxy.js";
import { MemoryUpload, sha256 } from "./memory-upload.js";
import { instantTimers, videoSource } from "./sources.js";

function setup(extra: Partial<DownloadOptions> = {}) {
  const timers = instantTimers();
  const log = memoryLogger();
  return {
    timers,
    lines: log.lines,
    options: { logger: log.logger, timers, expectedContentType: "video/mp4", ...extra },
  };
}

/** The sandbox's own record of the media requests: status and fault of each. */
const mediaRequests = (sandbox: Awaited<ReturnType<typeof useSandbox>>) =>
  sandbox.requests.filter((r) => r.route === "media").map((r) => ({ status: r.status, fault: r.fault }));

describe("resuming a download", () => {
  it("goes on after a cut mid-body with Range from the bytes written, on the same URL", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "cut", afterBytes: 65_659 });
    const { options, timers, lines } = setup();
    const upload = new MemoryUpload();

    const result = await download(source, upload, options);

    expect(result).toMatchObject({ urlRequests: 1, resumes: 1, requests: 2, bytes: truth.length });
    expect(result.stored.sha256).toBe(sha256(truth));
    expect(proxy.requests).toMatchObject([
      { range: null, status: 200, bytes: 65_659, step: "cut" },
      { range: "bytes=65659-", ifRange: expect.stringMatching(/^"[0-9a-f]{32}"$/), status: 206 },
    ]);
    expect(proxy.requests[0]?.query).toBe(proxy.requests[1]?.query);
    expect(timers.waits).toEqual([1000]);
    expect(lines).toContainEqual(
      `WARN ${source.what}: the connection failed mid-body (ECONNRESET) at byte 65659 of ${truth.length}; resuming in 1 s (resume 1 of 5)`,
    );
  });

  it("retries a dropped connection (the sandbox's drop fault: no byte came) from the start", async () => {
    const sandbox = await useSandbox();
    const { source, truth } = await videoSource(sandbox);
    sandbox.faults.enqueue({ kind: "drop", match: "media" });
    const { options } = setup();
    const upload = new MemoryUpload();

    const result = await download(source, upload, options);

    expect(result).toMatchObject({ urlRequests: 1, resumes: 1, requests: 2 });
    expect(upload.bytes.equals(truth)).toBe(true);
    expect(mediaRequests(sandbox)).toEqual([
      { status: 0, fault: "drop" },
      { status: 200, fault: null },
    ]);
  });

  it("resumes with Range after the sandbox's truncate fault cuts the file half-way, with or without an expected type", async () => {
    for (const expectedContentType of ["video/mp4", undefined]) {
      const sandbox = await useSandbox();
      const { source, truth } = await videoSource(sandbox);
      sandbox.faults.enqueue({ kind: "truncate", match: "media" });
      const { options } = setup({ expectedContentType });
      const upload = new MemoryUpload();

      const result = await download(source, upload, options);

      expect(result).toMatchObject({ urlRequests: 1, resumes: 1, requests: 2 });
      expect(upload.bytes.equals(truth)).toBe(true);
      expect(mediaRequests(sandbox)).toEqual([
        { status: 0, fault: "truncate" },
        { status: 206, fault: null },
      ]);
    }
  });

  it("gets a fresh URL when the URL expired between the cut and the resume, and goes on from where it was", async () => {
    const clock = new ManualClock();
    // The token outlives the hour; the video URL (one hour) does not.
    const sandbox = await useSandbox({ clock, tokenTtlSeconds: 7200 });
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "cut", afterBytes: 100_000, onCut: () => clock.advance(3600 * 1000) });
    const { options, lines } = setup();
    const upload = new MemoryUpload();

    const result = await download(source, upload, options);

    expect(result).toMatchObject({ urlRequests: 2, resumes: 1, requests: 3, bytes: truth.length });
    expect(upload.bytes.equals(truth)).toBe(true);
    expect(proxy.requests).toMatchObject([
      { range: null, status: 200, bytes: 100_000 },
      { range: "bytes=100000-", status: 403 },
      { range: "bytes=100000-", status: 206, bytes: truth.length - 100_000 },
    ]);
    expect(proxy.requests[2]?.query).not.toBe(proxy.requests[1]?.query);
    expect(sandbox.counts.get("videoDownloadUrl")).toBe(2);
    expect(lines).toContainEqual(
      `INFO ${source.what}: the download URL was refused (403 AccessDenied: Request has expired); asking for a fresh one (1 of 3) to go on from byte 100000`,
    );
  });

  it("continues an upload that kept bytes with Range from its offset, ending byte-identical", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    const upload = new MemoryUpload({ kept: truth.subarray(0, 100_000) });

    const result = await download(source, upload, setup().options);

    expect(result).toMatchObject({ resumes: 0, requests: 1, bytes: truth.length - 100_000 });
    expect(result.stored).toEqual({
      location: "memory://upload",
      bytes: truth.length,
      sha256: sha256(truth),
    });
    expect(proxy.requests).toMatchObject([{ range: "bytes=100000-", ifRange: null, status: 206 }]);
  });

  it("commits an upload that kept the whole file on the 416 that says so", async () => {
    const sandbox = await useSandbox();
    const { source, truth } = await videoSource(sandbox);
    const upload = new MemoryUpload({ kept: truth });

    const result = await download(source, upload, setup().options);

    expect(result).toMatchObject({ requests: 1, bytes: 0, contentType: "video/mp4" });
    expect(result.stored.sha256).toBe(sha256(truth));
    expect(mediaRequests(sandbox)).toEqual([{ status: 416, fault: null }]);
  });

  it("refuses a whole file (200) in answer to Range: MEDIA_RANGE_IGNORED, and a fresh upload then succeeds", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "ignore-range" });
    const kept = new MemoryUpload({ kept: truth.subarray(0, 1000) });

    const error = await download(source, kept, setup().options).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaRestartError);
    expect(error).toMatchObject({ code: "MEDIA_RANGE_IGNORED", what: source.what });
    expect((error as Error).message).toBe(
      `Could not continue ${source.what}: the server ignored Range (bytes=1000-) and sent the whole file (200), which cannot be appended to the 1000 bytes written. The upload was dropped; download it again from the start.`,
    );
    expect(kept.state).toBe("aborted");
    const fresh = new MemoryUpload();
    await download(source, fresh, setup().options);
    expect(fresh.bytes.equals(truth)).toBe(true);
  });

  it("refuses a 206 that does not start at the bytes written: MEDIA_CHANGED", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "cut", afterBytes: 5000 }, { kind: "shift-range", by: 10 });
    const upload = new MemoryUpload();

    const error = await download(source, upload, setup().options).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "MEDIA_CHANGED" });
    expect((error as Error).message).toContain(
      `the server answered bytes=5000- with Content-Range bytes 4990-${truth.length - 1}/${truth.length}, which does not continue the 5000 bytes written`,
    );
    expect(upload.state).toBe("aborted");
  });

  it("refuses a file whose ETag changed between two requests: MEDIA_CHANGED", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source } = await videoSource(sandbox, { proxy });
    // As a server answers If-Range with another ETag: the whole (new) file.
    proxy.enqueue(
      { kind: "cut", afterBytes: 5000 },
      { kind: "answer", status: 200, contentType: "video/mp4", body: "new", headers: { ETag: '"other"' } },
    );
    const upload = new MemoryUpload();

    const error = await download(source, upload, setup().options).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "MEDIA_CHANGED" });
    expect((error as Error).message).toMatch(
      /the file changed during the download: its ETag is now "other", not "[0-9a-f]{32}"/,
    );
    expect(proxy.requests[1]?.ifRange).toMatch(/^"[0-9a-f]{32}"$/);
    expect(upload.state).toBe("aborted");
  });

  it("retries server errors with doubling waits, or Retry-After when longer", async () => {
    const sandbox = await useSandbox();
    const { source, truth } = await videoSource(sandbox);
    sandbox.faults.enqueue(
      { kind: "status", status: 503, retryAfterSeconds: 7, match: "media" },
      { kind: "status", status: 500, match: "media" },
    );
    const { options, timers } = setup();
    const upload = new MemoryUpload();

    const result = await download(source, upload, options);

    expect(result).toMatchObject({ resumes: 2, requests: 3, urlRequests: 1 });
    expect(upload.bytes.equals(truth)).toBe(true);
    expect(timers.waits).toEqual([7000, 2000]);
  });

  it("resumes a stalled response after the response timeout", async () => {
    const sandbox = await useSandbox();
    const { source, truth } = await videoSource(sandbox);
    sandbox.faults.enqueue({ kind: "slow", delayMs: 2000, match: "media" });
    const { options } = setup({ http: createMediaHttp({ userAgent: "test", responseTimeoutMs: 150 }) });
    const upload = new MemoryUpload();

    const result = await download(source, upload, options);

    expect(result).toMatchObject({ resumes: 1, requests: 2 });
    expect(upload.bytes.equals(truth)).toBe(true);
  });

  it("gives up after the most resumes allowed: MEDIA_RETRIES_EXHAUSTED", async () => {
    const sandbox = await useSandbox();
    const { source } = await videoSource(sandbox);
    for (let i = 0; i < 6; i++) sandbox.faults.enqueue({ kind: "drop", match: "media" });
    const { options, timers } = setup();
    const upload = new MemoryUpload();

    const error = await download(source, upload, options).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaDownloadError);
    expect(error).toMatchObject({ code: "MEDIA_RETRIES_EXHAUSTED", status: null });
    expect((error as Error).message).toBe(
      `Could not download ${source.what}: the connection failed (ECONNRESET) at byte 0, after 5 resumes (the most allowed).`,
    );
    expect(timers.waits).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(mediaRequests(sandbox)).toHaveLength(6);
    expect(upload.state).toBe("aborted");
  });

  it("gives up after the most fresh URLs allowed: MEDIA_URL_EXPIRED", async () => {
    const sandbox = await useSandbox({ videoUrlTtlSeconds: 0 });
    const { source } = await videoSource(sandbox);
    const upload = new MemoryUpload();

    const error = await download(source, upload, setup().options).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "MEDIA_URL_EXPIRED", status: 403 });
    expect((error as Error).message).toBe(
      `Could not download ${source.what}: its pre-signed URL was refused (403 AccessDenied: Request has expired) after 3 fresh URLs (the most allowed).`,
    );
    expect(sandbox.counts.get("videoDownloadUrl")).toBe(4);
    expect(mediaRequests(sandbox)).toHaveLength(4);
    expect(upload.state).toBe("aborted");
  });
});
