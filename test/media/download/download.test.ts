import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log/logger.js";
import { type DownloadOptions, download, MediaDownloadError } from "../../../src/media/media-download.js";
import { ManualClock } from "../../../src/sandbox/index.js";
import { apiJson, fetchToken, useSandbox } from "../../helpers/sandbox.js";
import { useMediaProxy } from "./media-proxy.js";
import { MemoryUpload, sha256 } from "./memory-upload.js";
import { instantTimers, videoSource } from "./sources.js";

const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
  logger: memoryLogger().logger,
  timers: instantTimers(),
  expectedContentType: "video/mp4",
  ...extra,
});

describe("download", () => {
  it("streams a session video into the upload byte for byte, with one URL request and no Authorization", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source, truth } = await videoSource(sandbox, { proxy });
    const upload = new MemoryUpload();

    const result = await download(source, upload, options());

    expect(result).toEqual({
      stored: { location: "memory://upload", bytes: truth.length, sha256: sha256(truth) },
      contentType: "video/mp4",
      urlRequests: 1,
      resumes: 0,
      requests: 1,
      bytes: truth.length,
    });
    expect(upload.state).toBe("committed");
    expect(upload.bytes.equals(truth)).toBe(true);
    expect(proxy.requests).toMatchObject([{ range: null, authorization: null, status: 200 }]);
    expect(sandbox.counts.get("videoDownloadUrl")).toBe(1);
    expect(sandbox.counts.get("media")).toBe(1);
  });

  it("downloads a highlight reel once its URL is GENERATED", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, reelGenerationMs: 5000 });
    const token = await fetchToken(sandbox);
    const test = sandbox.data
      .tests()
      .find((t) => sandbox.data.highlightReels(t.testId)?.reels.some((r) => !r.failsToGenerate));
    const reel = sandbox.data.highlightReels(test?.testId ?? "")?.reels.find((r) => !r.failsToGenerate);
    const path = `/api/v2/testResults/${test?.testId}/highlightreels/${reel?.uuid}`;
    let polls = 0;
    const source = {
      what: `the highlight reel ${reel?.uuid}`,
      freshUrl: async () => {
        for (;;) {
          polls += 1;
          const { body } = await apiJson<{ status: string; reelUrl: string | null }>(sandbox, path, token);
          if (body.status === "GENERATED" && body.reelUrl) return body.reelUrl;
          clock.advance(5000);
        }
      },
    };
    const upload = new MemoryUpload();

    const result = await download(source, upload, options());

    expect(upload.bytes.equals(sandbox.data.reelFile(reel?.uuid ?? "") as Buffer)).toBe(true);
    expect(result).toMatchObject({ urlRequests: 1, resumes: 0, requests: 1 });
    expect(polls).toBe(2);
  });

  it("writes only as fast as the store takes: every write past its buffer waits for 'drain'", async () => {
    const sandbox = await useSandbox({ videoBytes: 1_000_000 });
    const { source, truth } = await videoSource(sandbox);
    const upload = new MemoryUpload({ highWaterMark: 16_384, writeDelayMs: 1 });
    let drains = 0;
    upload.stream.on("drain", () => {
      drains += 1;
    });

    await download(source, upload, options());

    expect(upload.bytes.equals(truth)).toBe(true);
    expect(drains).toBeGreaterThan(5);
    // At most the buffer plus the one socket chunk written before write() said "enough".
    expect(upload.peakBuffered).toBeLessThanOrEqual(16_384 + 65_536);
  });

  it("aborts the upload and says MEDIA_STORE_FAILED, naming the video, when the store fails", async () => {
    const sandbox = await useSandbox();
    const { source } = await videoSource(sandbox);
    const upload = new MemoryUpload({ failAfterBytes: 50_000 });

    const error = await download(source, upload, options()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaDownloadError);
    expect(error).toMatchObject({ code: "MEDIA_STORE_FAILED", what: source.what });
    expect((error as Error).message).toBe(
      `Could not store ${source.what}: ENOSPC: no space left on device, write`,
    );
    expect(upload.state).toBe("aborted");
  });

  it("aborts the upload when the store refuses the commit", async () => {
    const sandbox = await useSandbox();
    const { source } = await videoSource(sandbox);
    const upload = new MemoryUpload();
    upload.commit = async () => {
      throw new Error("the object holds 3 bytes, not 4");
    };

    const error = await download(source, upload, options()).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: "MEDIA_STORE_FAILED" });
    expect(upload.state).toBe("aborted");
  });
});
