import { describe, expect, it } from "vitest";
import { TapError } from "../../../src/errors.js";
import type { Logger } from "../../../src/log/logger.js";
import { download, type MediaSource } from "../../../src/media/media-download.js";
import { ManualClock, type Sandbox } from "../../../src/sandbox/index.js";
import { useSandbox } from "../../helpers/sandbox.js";
import { type MediaProxy, useMediaProxy } from "./media-proxy.js";
import { MemoryUpload } from "./memory-upload.js";
import { instantTimers, videoSource } from "./sources.js";

/** Everything a user or a log reader could see of one download, success or failure. */
async function everythingSaid(source: MediaSource, upload = new MemoryUpload()): Promise<string[]> {
  // The raw lines, before the Logger's own redaction: the downloader must not rely on it.
  const lines: string[] = [];
  const logger = Object.fromEntries(
    (["debug", "info", "warn", "error"] as const).map((level) => [level, (m: string) => lines.push(m)]),
  ) as unknown as Logger;
  const outcome = await download(source, upload, { logger, timers: instantTimers() }).catch(
    (error: unknown) => error,
  );
  const said = [...lines];
  if (outcome instanceof Error) {
    said.push(outcome.message, String(outcome), outcome.stack ?? "");
    if (outcome instanceof TapError) said.push(outcome.detail ?? "");
  }
  return said;
}

type Scenario = (sandbox: Sandbox, proxy: MediaProxy, clock: ManualClock) => void;

describe("pre-signed URLs stay secret", () => {
  it.each<[string, Scenario]>([
    ["a download cut and resumed", (_s, proxy) => proxy.enqueue({ kind: "cut", afterBytes: 1000 })],
    [
      "a URL expired between the cut and the resume",
      (_s, proxy, clock) =>
        proxy.enqueue({ kind: "cut", afterBytes: 1000, onCut: () => clock.advance(3_600_000) }),
    ],
    [
      "every URL refused",
      (_s, proxy) => {
        for (let i = 0; i < 4; i++)
          proxy.enqueue({ kind: "answer", status: 403, body: "<Error><Code>AccessDenied</Code></Error>" });
      },
    ],
    [
      "resumes run out",
      (sandbox) => {
        for (let i = 0; i < 6; i++) sandbox.faults.enqueue({ kind: "status", status: 503, match: "media" });
      },
    ],
    [
      "a 400 whose body repeats a signed URL",
      (_s, proxy) =>
        proxy.enqueue({
          kind: "answer",
          status: 400,
          body: "<Error><Code>InvalidRequest</Code><Message>Bad GET http://h/media/videos/a.mp4?X-Amz-Signature=feed</Message></Error>",
        }),
    ],
    ["the file gone", (_s, proxy) => proxy.enqueue({ kind: "answer", status: 404 })],
    [
      "a server ignoring Range",
      (_s, proxy) => proxy.enqueue({ kind: "cut", afterBytes: 10 }, { kind: "ignore-range" }),
    ],
  ])("in every message and log line when %s", async (_case, scenario) => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, tokenTtlSeconds: 7200 });
    const proxy = await useMediaProxy(sandbox.url);
    const { source, urls } = await videoSource(sandbox, { proxy });
    scenario(sandbox, proxy, clock);

    const said = await everythingSaid(source);

    expect(urls.length).toBeGreaterThan(0);
    expect(said.some((text) => text.includes("/media/videos/"))).toBe(true);
    for (const text of said) {
      expect(text).not.toContain("X-Amz-");
      for (const url of urls) {
        const query = new URL(url).search.slice(1);
        expect(text).not.toContain(query);
        expect(text).not.toContain(new URL(url).searchParams.get("X-Amz-Signature"));
      }
    }
  });

  it("even in the text of a network error about the URL itself", async () => {
    const secret = "X-Amz-Signature=0123456789abcdef0123456789abcdef";
    const source: MediaSource = {
      what: "the video of session x",
      freshUrl: async () => `http://127.0.0.1:1/media/videos/x.mp4?${secret}`,
    };

    const said = await everythingSaid(source);

    expect(said.join("\n")).toContain("ECONNREFUSED");
    for (const text of said) expect(text).not.toContain("0123456789abcdef");
  });
});
