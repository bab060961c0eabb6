import { createHash } from "node:crypto";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { startGcsLocal } from "../../src/emulators/gcs/index.js";
import { memoryLogger } from "../../src/log/logger.js";
import { reelKey, videoKey } from "../../src/media/object-keys.js";
import type { Sandbox } from "../../src/sandbox/index.js";
import { useSandbox } from "../helpers/sandbox.js";
import { runTapOn } from "../helpers/tap.js";
import { gcsClientOf, gcsStoreOn, s3ClientOf, s3StoreOn, startS3rver } from "./storage/store-harnesses.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A store the tap writes to through its settings, and a reader of it through its own client. */
interface Bucket {
  settings: Record<string, unknown>;
  read(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

async function s3rverBucket(): Promise<Bucket> {
  const server = await startS3rver();
  const reader = await s3StoreOn(server.endpoint, memoryLogger().logger);
  const client = s3ClientOf(reader);
  return {
    settings: {
      media_storage: "s3://media/tap",
      s3_endpoint: server.endpoint,
      s3_force_path_style: true,
      s3_region: "us-east-1",
      s3_access_key_id: "S3RVER",
      s3_secret_access_key: "S3RVER",
    },
    read: async (key) => {
      const got = await client.send(new GetObjectCommand({ Bucket: "media", Key: `tap/${key}` }));
      return Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()));
    },
    close: async () => {
      await reader.close();
      await server.close();
    },
  };
}

async function gcsLocalBucket(): Promise<Bucket> {
  const server = await startGcsLocal({ buckets: ["media"] });
  const reader = await gcsStoreOn(server, memoryLogger().logger);
  const bucket = gcsClientOf(reader).bucket("media");
  return {
    settings: { media_storage: "gs://media/tap", gcs_api_endpoint: server.url, gcs_project: "local" },
    read: async (key) => (await bucket.file(`tap/${key}`).download())[0],
    close: async () => {
      await reader.close();
      await server.close();
    },
  };
}

function truth(sandbox: Sandbox) {
  const videos = sandbox.data
    .allListedSessions()
    .filter((s) => s.status === "completed" && sandbox.data.hasVideo(s.sessionId))
    .map((s) => ({ key: videoKey(s.sessionId), bytes: sandbox.data.video(s.sessionId) as Buffer }));
  const reels = sandbox.data
    .tests()
    .flatMap((t) =>
      (sandbox.data.highlightReels(t.testId)?.reels ?? [])
        .filter((r) => !r.failsToGenerate)
        .map((r) => ({ key: reelKey(t.testId, r.uuid), bytes: sandbox.data.reelFile(r.uuid) as Buffer })),
    );
  return { videos, reels };
}

describe.each([
  ["S3 (fake-backed: s3rver, an S3-compatible server)", s3rverBucket],
  ["GCS (fake-backed: local GCS JSON API server)", gcsLocalBucket],
])("session videos and highlight reels into %s", (_name, open) => {
  it("stores every video and reel byte for byte, and a second run downloads nothing", async () => {
    const sandbox = await useSandbox({
      workspaces: 1,
      largeWorkspaceTests: 5,
      largeTestSessions: 0,
      reelGenerationMs: 100,
    });
    const bucket = await open();
    try {
      const streams = ["session_videos", "highlight_reels"];
      const first = await runTapOn(sandbox, { streams, config: bucket.settings });
      expect(first.error).toBeUndefined();
      const { videos, reels } = truth(sandbox);
      expect(videos.length).toBeGreaterThan(0);
      expect(reels.length).toBeGreaterThan(0);
      for (const { key, bytes } of [...videos, ...reels])
        expect(sha256(await bucket.read(key)), key).toBe(sha256(bytes));
      const rows = first.sink.records("session_videos");
      expect(rows.map((r) => r.storage_path).sort()).toEqual(
        videos.map((v) => `${String(bucket.settings.media_storage)}/${v.key}`).sort(),
      );
      // The secret key never reaches a log line or a record.
      expect(JSON.stringify([first.logs, first.sink.messages])).not.toContain('S3RVER"');
      const second = await runTapOn(sandbox, {
        streams,
        config: bucket.settings,
        state: first.sink.lastState(),
      });
      expect(second.error).toBeUndefined();
      expect(second.calls("media") + second.calls("videoDownloadUrl") + second.calls("highlightReel")).toBe(
        0,
      );
    } finally {
      await bucket.close();
    }
  }, 60_000);
});
