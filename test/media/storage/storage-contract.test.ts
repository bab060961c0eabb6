import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { MediaUpload } from "../../../src/media/media-storage.js";
import { MediaIdError, MediaKeyError, reelKey, videoKey } from "../../../src/media/object-keys.js";
import { MediaIntegrityError } from "../../../src/media/storage/media-storage-error.js";
import { HARNESSES, type StoreUnderTest } from "./store-harnesses.js";

/**
 * One specification for every store: the local folder, S3 (s3rver, through the real SDK) and
 * GCS (the local JSON API server, and a live bucket when one is configured). A new store adds its
 * harness (store-harnesses.ts) and nothing else.
 */

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Writes `bytes` into the upload in chunks of `chunk`, as a download would, and ends it. */
async function send(upload: MediaUpload, bytes: Buffer, chunk = 64 * 1024): Promise<void> {
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  }
  await pipeline(Readable.from(chunks()), upload.stream);
}

/** Writes `bytes` without ending the stream: an upload still under way. */
async function sendOpen(upload: MediaUpload, bytes: Buffer, chunk = 64 * 1024): Promise<void> {
  for (let at = 0; at < bytes.length; at += chunk)
    await new Promise<void>((resolve, reject) =>
      upload.stream.write(bytes.subarray(at, at + chunk), (error) => (error ? reject(error) : resolve())),
    );
}

/** What is left besides the store's own sidecars (`.sha256`): objects and unfinished parts. */
const media = (names: string[]) => names.filter((n) => !n.endsWith(".sha256"));

for (const harness of HARNESSES) {
  const skip = harness.skipReason();
  describe.skipIf(skip !== null)(
    `media storage contract: ${harness.name}${skip ? ` (skipped: ${skip})` : ""}`,
    () => {
      let store: StoreUnderTest | null = null;
      afterEach(async () => {
        await store?.close();
        store = null;
      });
      const open = async () => {
        store = await harness.open();
        return store;
      };

      it.each([
        ["0 bytes", 0],
        ["1000 bytes", 1000],
        ["9 MiB and 5 bytes, in 64 KiB chunks", 9 * MiB + 5],
      ])(
        "stores %s: stat is null before, and the size and sha256 of the bytes after",
        async (_name, size) => {
          const { storage, read } = await open();
          const key = videoKey(randomUUID());
          const bytes = randomBytes(size);
          expect(await storage.stat(key)).toBeNull();
          const upload = await storage.open(key, { contentType: "video/mp4" });
          expect(upload.offset).toBe(0);
          await send(upload, bytes);
          const stored = await upload.commit({ bytes: size, sha256: sha256(bytes) });
          expect(stored).toEqual({
            location: expect.stringContaining(key),
            bytes: size,
            sha256: sha256(bytes),
          });
          expect(await storage.stat(key)).toEqual(stored);
          expect((await read(key))?.equals(bytes)).toBe(true);
        },
        60_000,
      );

      it("commits on the size alone, hashing what it received itself", async () => {
        const { storage } = await open();
        const key = reelKey(randomUUID(), randomUUID());
        const bytes = randomBytes(300_000);
        const upload = await storage.open(key, { contentType: "video/mp4" });
        await send(upload, bytes);
        expect((await upload.commit({ bytes: bytes.length })).sha256).toBe(sha256(bytes));
        expect((await storage.stat(key))?.sha256).toBe(sha256(bytes));
      });

      it("shows nothing under the key while the upload is open", async () => {
        const { storage, list } = await open();
        const key = videoKey(randomUUID());
        const bytes = randomBytes(2 * MiB);
        const upload = await storage.open(key, { contentType: "video/mp4" });
        await sendOpen(upload, bytes.subarray(0, MiB + 7));
        expect(await storage.stat(key)).toBeNull();
        expect((await list()).filter((name) => name.endsWith(".mp4"))).toEqual([]);
        await sendOpen(upload, bytes.subarray(MiB + 7));
        upload.stream.end();
        expect(await storage.stat(key)).toBeNull();
        await upload.commit({ bytes: bytes.length });
        expect((await storage.stat(key))?.bytes).toBe(bytes.length);
      });

      it("leaves nothing after abort", async () => {
        const { storage, list } = await open();
        const key = videoKey(randomUUID());
        const upload = await storage.open(key, { contentType: "video/mp4" });
        await sendOpen(upload, randomBytes(3 * MiB));
        await upload.abort();
        await upload.abort();
        expect(await storage.stat(key)).toBeNull();
        expect(await list()).toEqual([]);
        await expect(upload.commit({ bytes: 3 * MiB })).rejects.toThrow(/cannot be committed/);
      });

      it.each([
        ["byte count", (bytes: Buffer) => ({ bytes: bytes.length + 1 })],
        ["sha256", (bytes: Buffer) => ({ bytes: bytes.length, sha256: sha256(Buffer.from("other")) })],
      ])("fails a commit told the wrong %s, leaving nothing visible", async (_what, expected) => {
        const { storage, list } = await open();
        const key = videoKey(randomUUID());
        const bytes = randomBytes(MiB + 3);
        const upload = await storage.open(key, { contentType: "video/mp4" });
        await send(upload, bytes);
        await expect(upload.commit(expected(bytes))).rejects.toBeInstanceOf(MediaIntegrityError);
        expect(await storage.stat(key)).toBeNull();
        expect(await list()).toEqual([]);
      });

      it("keeps the old object when a replacement fails its commit, and replaces it when one succeeds", async () => {
        const { storage, read } = await open();
        const key = videoKey(randomUUID());
        const first = randomBytes(500_000);
        const second = randomBytes(700_001);
        const a = await storage.open(key, { contentType: "video/mp4" });
        await send(a, first);
        await a.commit({ bytes: first.length });
        const bad = await storage.open(key, { contentType: "video/mp4" });
        await send(bad, second);
        await expect(bad.commit({ bytes: 1 })).rejects.toBeInstanceOf(MediaIntegrityError);
        expect(await storage.stat(key)).toMatchObject({ bytes: first.length, sha256: sha256(first) });
        const b = await storage.open(key, { contentType: "video/mp4" });
        await send(b, second);
        await b.commit({ bytes: second.length, sha256: sha256(second) });
        expect(await storage.stat(key)).toMatchObject({ bytes: second.length, sha256: sha256(second) });
        expect((await read(key))?.equals(second)).toBe(true);
      });

      it("refuses every key that could leave its folder or prefix, before touching the store", async () => {
        const { storage, list } = await open();
        for (const key of [
          "../x.mp4",
          "videos/../../x.mp4",
          "/etc/passwd",
          "videos\\..\\x.mp4",
          "C:/x.mp4",
          "videos//x.mp4",
          "./videos/x.mp4",
          "videos/x.mp4.part",
          "",
        ]) {
          await expect(storage.stat(key), key).rejects.toBeInstanceOf(MediaKeyError);
          await expect(storage.open(key, { contentType: "video/mp4" }), key).rejects.toBeInstanceOf(
            MediaKeyError,
          );
        }
        expect(() => videoKey("../../etc/passwd")).toThrow(MediaIdError);
        expect(await list()).toEqual([]);
      });

      it(
        harness.name.startsWith("local")
          ? "resumes an interrupted upload: offset is what was kept, and the whole file is right after the rest"
          : "does not resume across uploads: an interrupted upload leaves nothing, and the next starts at 0",
        async () => {
          const { storage, list, read, resumes } = await open();
          const key = videoKey(randomUUID());
          const bytes = randomBytes(2 * MiB + 11);
          const cut = MiB + 5;
          const first = await storage.open(key, { contentType: "video/mp4" });
          async function* failing() {
            yield bytes.subarray(0, cut);
            throw new Error("connection reset");
          }
          // pipeline destroys the upload's stream when the download fails, as the downloader's would.
          await expect(pipeline(Readable.from(failing()), first.stream)).rejects.toThrow("connection reset");
          expect(await storage.stat(key)).toBeNull();
          const second = await storage.open(key, { contentType: "video/mp4" });
          if (resumes) {
            expect(media(await list())).toEqual([`videos/${key.slice(7)}.part`]);
            expect(second.offset).toBe(cut);
          } else {
            expect(second.offset).toBe(0);
            expect(await list()).toEqual([]);
          }
          await send(second, bytes.subarray(second.offset));
          const stored = await second.commit({ bytes: bytes.length, sha256: sha256(bytes) });
          expect(stored).toMatchObject({ bytes: bytes.length, sha256: sha256(bytes) });
          expect((await read(key))?.equals(bytes)).toBe(true);
          expect(media(await list())).toEqual([resumes ? key : expect.stringMatching(new RegExp(`${key}$`))]);
        },
      );
    },
  );
}
