import { describe, expect, it } from "vitest";
import { ManualClock, type Sandbox } from "../../src/sandbox/index.js";
import { parseRange } from "../../src/sandbox/media-files.js";
import { apiJson, fetchToken, useSandbox } from "../helpers/sandbox.js";

async function videoUrl(sandbox: Sandbox) {
  const session = sandbox.data.allSessions().find((s) => s.hasVideo);
  const token = await fetchToken(sandbox);
  const response = await apiJson<{ sessionId: string; videoUrl: string; expiresAt: string }>(
    sandbox,
    `/api/v2/sessionResults/${session?.sessionId}/videoDownloadUrl`,
    token,
  );
  return { ...response, session, token };
}

describe("video download URLs", () => {
  it("answer {sessionId, videoUrl, expiresAt} with a one-hour pre-signed URL, not cacheable", async () => {
    const clock = new ManualClock(Date.parse("2026-11-24T10:15:30.250Z"));
    const sandbox = await useSandbox({ clock });
    const { status, headers, body, session } = await videoUrl(sandbox);
    expect(status).toBe(200);
    expect(headers.get("cache-control")).toBe("private, no-store");
    expect(body.sessionId).toBe(session?.sessionId);
    expect(body.expiresAt).toBe("2026-11-24T11:15:30.000Z");
    const url = new URL(body.videoUrl);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("point at a file that downloads whole, matches the truth, and supports Range", async () => {
    const sandbox = await useSandbox();
    const { body, session } = await videoUrl(sandbox);
    const truth = sandbox.data.video(session?.sessionId ?? "") as Buffer;
    const whole = await fetch(body.videoUrl);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    expect(whole.headers.get("content-type")).toBe("video/mp4");
    expect(Buffer.from(await whole.arrayBuffer()).equals(truth)).toBe(true);

    const part = await fetch(body.videoUrl, { headers: { Range: "bytes=100-199" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${truth.length}`);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(truth.subarray(100, 200));

    const rest = await fetch(body.videoUrl, { headers: { Range: `bytes=${truth.length - 10}-` } });
    expect(Buffer.from(await rest.arrayBuffer())).toEqual(truth.subarray(truth.length - 10));
    const beyond = await fetch(body.videoUrl, { headers: { Range: `bytes=${truth.length}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe(`bytes */${truth.length}`);
  });

  it("answer 403 once the URL has expired, so a resumed download needs a new URL", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock });
    const { body } = await videoUrl(sandbox);
    expect((await fetch(body.videoUrl, { headers: { Range: "bytes=0-9" } })).status).toBe(206);
    clock.advance(3600 * 1000);
    const expired = await fetch(body.videoUrl, { headers: { Range: "bytes=10-19" } });
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain("<Code>AccessDenied</Code><Message>Request has expired</Message>");
  });

  it("answer 403 for a tampered signature or an extended lifetime", async () => {
    const sandbox = await useSandbox();
    const { body } = await videoUrl(sandbox);
    const tampered = new URL(body.videoUrl);
    tampered.searchParams.set("X-Amz-Expires", "999999");
    expect((await fetch(tampered)).status).toBe(403);
    const unsigned = new URL(body.videoUrl);
    unsigned.search = "";
    expect(await (await fetch(unsigned)).text()).toContain("SignatureDoesNotMatch");
  });

  it("answer 404 for a session without video", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const survey = sandbox.data.allSessions().find((s) => sandbox.data.test(s.testId)?.testType === "survey");
    const unfinished = sandbox.data
      .allSessions()
      .find((s) => sandbox.data.test(s.testId)?.hasVideo && s.status === "in_progress");
    for (const s of [survey, unfinished]) {
      expect(
        (await apiJson(sandbox, `/api/v2/sessionResults/${s?.sessionId}/videoDownloadUrl`, token)).status,
      ).toBe(404);
    }
  });

  it.each([
    ["bytes=0-99", 1000, { start: 0, end: 99 }],
    ["bytes=990-", 1000, { start: 990, end: 999 }],
    ["bytes=-10", 1000, { start: 990, end: 999 }],
    ["bytes=900-5000", 1000, { start: 900, end: 999 }],
    ["bytes=1000-", 1000, "unsatisfiable"],
    ["bytes=-0", 1000, "unsatisfiable"],
    ["bytes=5-1", 1000, "unsatisfiable"],
    ["bytes=0-1,5-6", 1000, null],
    ["items=0-1", 1000, null],
    [undefined, 1000, null],
  ])("parses Range %s of a %i-byte file", (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe("highlight reels", () => {
  function reelTest(sandbox: Sandbox, failing: boolean) {
    for (const test of sandbox.data.tests()) {
      const reel = sandbox.data.highlightReels(test.testId)?.reels.find((r) => r.failsToGenerate === failing);
      if (reel) return { testId: test.testId, reel };
    }
    throw new Error("no such reel in the default data");
  }

  it("lists reels as documented, with an empty list for tests without any", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const { testId, reel } = reelTest(sandbox, false);
    const { status, body } = await apiJson<{ reels: unknown[]; studyWithClips: boolean }>(
      sandbox,
      `/api/v2/testResults/${testId}/highlightreels`,
      token,
    );
    expect(status).toBe(200);
    const { failsToGenerate: _hidden, ...listed } = reel;
    expect(body.reels).toContainEqual(listed);
    expect(body.studyWithClips).toBe(true);
    const survey = sandbox.data.tests().find((t) => t.testType === "survey");
    expect(
      (await apiJson(sandbox, `/api/v2/testResults/${survey?.testId}/highlightreels`, token)).body,
    ).toEqual({
      reels: [],
      studyWithClips: false,
    });
    const classic = sandbox.data.tests().find((t) => t.api === "classic");
    expect(
      (await apiJson(sandbox, `/api/v2/testResults/${classic?.testId}/highlightreels`, token)).status,
    ).toBe(404);
  });

  it("generates on first request, answers GENERATING until ready, then GENERATED with a 15-minute URL", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, reelGenerationMs: 10_000 });
    const token = await fetchToken(sandbox);
    const { testId, reel } = reelTest(sandbox, false);
    const path = `/api/v2/testResults/${testId}/highlightreels/${reel.uuid}`;
    expect((await apiJson(sandbox, path, token)).body).toEqual({
      reelId: reel.uuid,
      status: "GENERATING",
      reelUrl: null,
    });
    clock.advance(9_999);
    expect((await apiJson(sandbox, path, token)).body).toMatchObject({ status: "GENERATING" });
    clock.advance(1);
    const ready = await apiJson<{ status: string; reelUrl: string }>(sandbox, path, token);
    expect(ready.body.status).toBe("GENERATED");
    expect(ready.headers.get("cache-control")).toBe("private, no-store");
    expect(new URL(ready.body.reelUrl).searchParams.get("X-Amz-Expires")).toBe("900");
    const file = await fetch(ready.body.reelUrl);
    expect(Buffer.from(await file.arrayBuffer()).equals(sandbox.data.reelFile(reel.uuid) as Buffer)).toBe(
      true,
    );
    clock.advance(900_000);
    expect((await fetch(ready.body.reelUrl)).status).toBe(403);
  });

  it("ends some reels in ERROR", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, reelGenerationMs: 1000 });
    const token = await fetchToken(sandbox);
    const { testId, reel } = reelTest(sandbox, true);
    const path = `/api/v2/testResults/${testId}/highlightreels/${reel.uuid}`;
    await apiJson(sandbox, path, token);
    clock.advance(1000);
    expect((await apiJson(sandbox, path, token)).body).toEqual({
      reelId: reel.uuid,
      status: "ERROR",
      reelUrl: null,
    });
  });

  it("answers 400 for malformed ids and 404 for a reel of another test", async () => {
    const sandbox = await useSandbox();
    const token = await fetchToken(sandbox);
    const { testId, reel } = reelTest(sandbox, false);
    const other = sandbox.data.tests().find((t) => t.api === "results_api" && t.testId !== testId);
    expect((await apiJson(sandbox, `/api/v2/testResults/${testId}/highlightreels/xyz`, token)).status).toBe(
      400,
    );
    expect(
      (await apiJson(sandbox, `/api/v2/testResults/${other?.testId}/highlightreels/${reel.uuid}`, token))
        .status,
    ).toBe(404);
  });
});
