import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock, type Sandbox } from "../../src/sandbox/index.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function mediaDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "media-"));
  dirs.push(dir);
  return dir;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The sandbox's completed sessions that have a video, and their bytes. */
function videosOf(sandbox: Sandbox) {
  return sandbox.data
    .allListedSessions()
    .filter((s) => s.status === "completed" && sandbox.data.hasVideo(s.sessionId))
    .map((s) => ({ sessionId: s.sessionId, bytes: sandbox.data.video(s.sessionId) as Buffer }));
}

/** Every reel of every test, with what the sandbox serves for it (undefined: it fails to generate). */
function reelsOf(sandbox: Sandbox) {
  return sandbox.data.tests().flatMap((t) =>
    (sandbox.data.highlightReels(t.testId)?.reels ?? []).map((r) => ({
      testId: t.testId,
      reelId: r.uuid,
      fails: r.failsToGenerate,
      bytes: sandbox.data.reelFile(r.uuid),
    })),
  );
}

const SANDBOX = {
  workspaces: 1,
  largeWorkspaceTests: 6,
  largeTestSessions: 0,
  reelGenerationMs: 300,
} as const;

describe("session videos and highlight reels into a local folder", () => {
  it("stores every video and reel byte for byte, records where, reports a reel that fails, and downloads nothing on a second run", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const dir = mediaDir();
    const config = { media_storage: dir, media_reel_wait_minutes: 1 };
    const first = await runTapOn(sandbox, { streams: ["session_videos", "highlight_reels"], config });
    expect(first.error).toBeUndefined();

    const videos = videosOf(sandbox);
    expect(videos.length).toBeGreaterThan(0);
    const rows = first.sink.records("session_videos");
    expect(rows.map((r) => r.session_id).sort()).toEqual(videos.map((v) => v.sessionId).sort());
    for (const v of videos) {
      const row = rows.find((r) => r.session_id === v.sessionId);
      const path = join(dir, "videos", `${v.sessionId}.mp4`);
      expect(row).toMatchObject({ storage_path: path, bytes: v.bytes.length, sha256: sha256(v.bytes) });
      expect(sha256(readFileSync(path))).toBe(sha256(v.bytes));
      expect(JSON.stringify(row)).not.toMatch(/X-Amz|https?:/);
    }
    // One URL per video: no session asked twice (the probe's answer is reused), and every URL
    // granted was used; the other requests are sessions of tests that may have video but do not (404).
    const urlRequests = sandbox.requests.filter((r) => r.route === "videoDownloadUrl");
    expect(new Set(urlRequests.map((r) => r.path)).size).toBe(urlRequests.length);
    expect(urlRequests.filter((r) => r.status === 200)).toHaveLength(videos.length);

    const reels = reelsOf(sandbox);
    expect(reels.some((r) => r.fails)).toBe(true);
    const reelRows = first.sink.records("highlight_reels");
    for (const r of reels) {
      const row = reelRows.find((x) => x.reel_id === r.reelId);
      if (r.fails) {
        expect(row).toMatchObject({ status: "ERROR", storage_path: null, sha256: null });
      } else {
        const path = join(dir, "reels", r.testId, `${r.reelId}.mp4`);
        expect(row).toMatchObject({
          status: "GENERATED",
          storage_path: path,
          sha256: sha256(r.bytes as Buffer),
        });
        expect(sha256(readFileSync(path))).toBe(sha256(r.bytes as Buffer));
      }
    }
    expect(first.logs.some((l) => /failed to generate 3 times; recorded as ERROR/.test(l))).toBe(true);

    // A second run from the state: the same rows, no download, no URL request, no reel request.
    const second = await runTapOn(sandbox, {
      streams: ["session_videos", "highlight_reels"],
      config,
      state: first.sink.lastState(),
    });
    expect(second.error).toBeUndefined();
    expect(second.calls("media")).toBe(0);
    expect(second.calls("videoDownloadUrl")).toBe(0);
    expect(second.calls("highlightReel")).toBe(0);
    const byReel = (rows: Array<Record<string, unknown>>) =>
      Object.fromEntries(rows.map((r) => [r.reel_id, [r.status, r.sha256]]));
    expect(byReel(second.sink.records("highlight_reels"))).toEqual(byReel(reelRows));
    // Without its state, a run finds the files stored and downloads nothing either.
    const fresh = await runTapOn(sandbox, { streams: ["session_videos"], config });
    expect(fresh.calls("media")).toBe(0);
    expect(fresh.sink.records("session_videos").length).toBe(videos.length);
  }, 60_000);

  it("selecting session_videos later does not reset the sessions' bookmarks", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const dir = mediaDir();
    const first = await runTapOn(sandbox, { streams: ["sessions"] });
    const second = await runTapOn(sandbox, {
      streams: ["sessions", "session_videos"],
      config: { media_storage: dir },
      state: first.sink.lastState(),
    });
    expect(second.error).toBeUndefined();
    expect(second.calls("sessionDetail")).toBe(0);
    expect(second.sink.records("sessions").filter((r) => r.status === "completed")).toEqual([]);
    expect(second.sink.records("session_videos").length).toBe(videosOf(sandbox).length);
  }, 60_000);

  it("resumes a download cut midway with Range", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const dir = mediaDir();
    // The first two media responses are cut half-way through the file.
    sandbox.faults.enqueue({ kind: "truncate", match: "media" }, { kind: "truncate", match: "media" });
    const run = await runTapOn(sandbox, { streams: ["session_videos"], config: { media_storage: dir } });
    expect(run.error).toBeUndefined();
    for (const v of videosOf(sandbox))
      expect(sha256(readFileSync(join(dir, "videos", `${v.sessionId}.mp4`)))).toBe(sha256(v.bytes));
    const media = sandbox.requests.filter((r) => r.route === "media");
    expect(media.filter((r) => r.fault === "truncate")).toHaveLength(2);
    // Each cut is followed by a ranged request for the rest (206), not a new download.
    expect(media.filter((r) => r.status === 206)).toHaveLength(2);
    expect(run.calls("videoDownloadUrl")).toBe(
      sandbox.requests.filter((r) => r.route === "videoDownloadUrl").length,
    );
  }, 60_000);

  it("asks for a new URL when the one it had expired during a download, and goes on where it was", async () => {
    const clock = new ManualClock();
    let cut = false;
    const sandbox = await useSandbox({
      ...SANDBOX,
      clock,
      tokenTtlSeconds: 86_400,
      // When the first cut download is recorded, two hours pass: its URL (one hour) has expired.
      log: (line) => {
        if (!cut && / \/media\/videos\/\S+ dropped /.test(line)) {
          cut = true;
          clock.advance(2 * 3_600_000);
        }
      },
    });
    const dir = mediaDir();
    sandbox.faults.enqueue({ kind: "truncate", match: "media" });
    const run = await runTapOn(sandbox, {
      streams: ["session_videos"],
      config: { media_storage: dir, media_concurrency: 1 },
    });
    expect(run.error).toBeUndefined();
    expect(cut).toBe(true);
    for (const v of videosOf(sandbox))
      expect(sha256(readFileSync(join(dir, "videos", `${v.sessionId}.mp4`)))).toBe(sha256(v.bytes));
    const media = sandbox.requests.filter((r) => r.route === "media");
    // The resume on the old URL is refused, a new URL is asked for, and the rest comes ranged.
    const after = media.slice(media.findIndex((r) => r.fault === "truncate") + 1);
    expect(after[0]?.status).toBe(403);
    expect(after[1]?.status).toBe(206);
    expect(run.logs.join("\n")).not.toMatch(/X-Amz|Signature=/);
    expect(JSON.stringify(run.sink.lastState())).not.toMatch(/X-Amz|https?:/);
  }, 60_000);

  it("reports a storage failure for its test, goes on with the others, and stores it on the next run", async () => {
    const sandbox = await useSandbox(SANDBOX);
    const dir = mediaDir();
    // A file where the videos folder should be: every video of this run fails to store.
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "videos"), "not a folder");
    const run = await runTapOn(sandbox, {
      streams: ["sessions", "session_videos"],
      config: { media_storage: dir },
    });
    expect(run.result?.exitCode).toBe(1);
    expect(run.logs.some((l) => /was not stored \(the next run tries again\)/.test(l))).toBe(true);
    expect(run.sink.records("sessions").length).toBeGreaterThan(0);
    rmSync(join(dir, "videos"));
    const next = await runTapOn(sandbox, {
      streams: ["sessions", "session_videos"],
      config: { media_storage: dir },
      state: run.sink.lastState(),
    });
    expect(next.error).toBeUndefined();
    expect(next.sink.records("session_videos").length).toBe(videosOf(sandbox).length);
  }, 60_000);

  it("leaves a reel still generating when its time runs out, and the next run picks it up", async () => {
    const clock = new ManualClock();
    // Reels take a minute of the sandbox's clock; this run waits three seconds of real time.
    const sandbox = await useSandbox({ ...SANDBOX, clock, reelGenerationMs: 60_000 });
    const dir = mediaDir();
    const config = { media_storage: dir, media_reel_wait_minutes: 0.05 };
    const first = await runTapOn(sandbox, { streams: ["highlight_reels"], config });
    expect(first.error).toBeUndefined();
    const rows = first.sink.records("highlight_reels");
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["GENERATING"]));
    expect(first.logs.some((l) => /is still generating after 3 s; the next run picks it up/.test(l))).toBe(
      true,
    );
    clock.advance(120_000);
    const second = await runTapOn(sandbox, {
      streams: ["highlight_reels"],
      config,
      state: first.sink.lastState(),
    });
    const statuses = second.sink.records("highlight_reels").map((r) => r.status);
    expect(statuses.filter((s) => s === "GENERATED").length).toBe(
      reelsOf(sandbox).filter((r) => !r.fails).length,
    );
    expect(statuses).not.toContain("GENERATING");
  }, 60_000);
});
