import { describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log/logger.js";
import { download, MediaDownloadError, MediaGoneError } from "../../../src/media/media-download.js";
import { useSandbox } from "../../helpers/sandbox.js";
import { useMediaProxy } from "./media-proxy.js";
import { MemoryUpload } from "./memory-upload.js";
import { instantTimers, videoSource } from "./sources.js";

const options = () => ({ logger: memoryLogger().logger, timers: instantTimers() });
const NO_SUCH_KEY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';

describe("media that is gone", () => {
  it("is MEDIA_GONE when the API has no URL for it (404), without a media request", async () => {
    const sandbox = await useSandbox();
    const survey = sandbox.data.allSessions().find((s) => !s.hasVideo);
    const { source } = await videoSource(sandbox, { sessionId: survey?.sessionId ?? "" });
    const upload = new MemoryUpload();

    const error = await download(source, upload, options()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaGoneError);
    expect(error).toMatchObject({ code: "MEDIA_GONE", what: source.what });
    expect((error as Error).message).toBe(
      `The video of session ${survey?.sessionId} is gone: the API has no download URL for it (404).`,
    );
    expect(sandbox.counts.get("media")).toBeUndefined();
    expect(upload.state).toBe("aborted");
  });

  it("is MEDIA_GONE when the file itself answers 404", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "answer", status: 404, contentType: "application/xml", body: NO_SUCH_KEY });

    const error = await download(source, new MemoryUpload(), options()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaGoneError);
    expect((error as Error).message).toBe(
      `The ${source.what.slice(4)} is gone: its download URL answered 404 NoSuchKey: The specified key does not exist.`,
    );
    expect(proxy.requests).toHaveLength(1);
  });

  it("is MEDIA_GONE when the URL is refused (403) and the API then has none", async () => {
    const sandbox = await useSandbox({ videoUrlTtlSeconds: 0 });
    const { source } = await videoSource(sandbox);
    const first = source.freshUrl;
    let calls = 0;
    source.freshUrl = async () => (++calls === 1 ? first() : null);

    const error = await download(source, new MemoryUpload(), options()).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaGoneError);
    expect(calls).toBe(2);
  });

  it("fails at once on another client error: MEDIA_HTTP_ERROR with the status", async () => {
    const sandbox = await useSandbox();
    const proxy = await useMediaProxy(sandbox.url);
    const { source } = await videoSource(sandbox, { proxy });
    proxy.enqueue({ kind: "answer", status: 400, body: "Bad Request" });
    const timers = instantTimers();
    const upload = new MemoryUpload();

    const error = await download(source, upload, { ...options(), timers }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MediaDownloadError);
    expect(error).toMatchObject({ code: "MEDIA_HTTP_ERROR", status: 400 });
    expect((error as Error).message).toBe(
      `Could not download ${source.what}: its download URL answered 400.`,
    );
    expect(timers.waits).toEqual([]);
    expect(upload.state).toBe("aborted");
  });

  it("passes the API's own error from freshUrl() through, aborting the upload", async () => {
    const upload = new MemoryUpload();
    const failure = new Error("the API is down");
    const source = { what: "the video of session x", freshUrl: () => Promise.reject(failure) };

    await expect(download(source, upload, options())).rejects.toBe(failure);
    expect(upload.state).toBe("aborted");
  });
});
