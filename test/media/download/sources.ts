import type { MediaSource } from "../../../src/media/media-download.js";
import type { Sandbox } from "../../../src/sandbox/index.js";
import type { Timers } from "../../../src/util/timers.js";
import { apiJson, fetchToken } from "../../helpers/sandbox.js";
import type { MediaProxy } from "./media-proxy.js";

export interface CountedSource {
  source: MediaSource;
  /** Every URL `freshUrl()` handed out, as the API gave it (the secret tests look for them). */
  urls: string[];
  truth: Buffer;
}

/** The first session the sandbox has a video of, or the n-th. */
export function sessionWithVideo(sandbox: Sandbox, n = 0): string {
  const session = sandbox.data.allSessions().filter((s) => s.hasVideo)[n];
  if (!session) throw new Error("the sandbox has no such session with video");
  return session.sessionId;
}

/**
 * A session video as the engine would describe it: `freshUrl()` is
 * GET /api/v2/sessionResults/{id}/videoDownloadUrl with a bearer token (null on 404), its
 * URL optionally rewritten to go through a proxy.
 */
export async function videoSource(
  sandbox: Sandbox,
  options: { sessionId?: string; proxy?: MediaProxy } = {},
): Promise<CountedSource> {
  const token = await fetchToken(sandbox);
  const sessionId = options.sessionId ?? sessionWithVideo(sandbox);
  const urls: string[] = [];
  const source: MediaSource = {
    what: `the video of session ${sessionId}`,
    freshUrl: async () => {
      const response = await apiJson<{ videoUrl: string }>(
        sandbox,
        `/api/v2/sessionResults/${sessionId}/videoDownloadUrl`,
        token,
      );
      if (response.status === 404) return null;
      if (response.status !== 200) throw new Error(`videoDownloadUrl answered ${response.status}`);
      urls.push(response.body.videoUrl);
      return options.proxy ? options.proxy.via(response.body.videoUrl) : response.body.videoUrl;
    },
  };
  return { source, urls, truth: sandbox.data.video(sessionId) ?? Buffer.alloc(0) };
}

/** Waits that return at once and are written down: backoff is asserted, never slept. */
export function instantTimers(): Timers & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}
