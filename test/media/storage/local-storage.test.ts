import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryLogger } from "../../../src/log/logger.js";
import { videoKey } from "../../../src/media/object-keys.js";
import { LocalStorage } from "../../../src/media/storage/local-storage.js";
import { MediaIntegrityError, MediaStorageError } from "../../../src/media/storage/media-storage-error.js";
import { filesUnder, tempDir } from "./store-harnesses.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function store() {
  const temp = tempDir("local-storage-");
  cleanups.push(temp.remove);
  const { logger, lines } = memoryLogger();
  return { root: temp.dir, storage: new LocalStorage(temp.dir, logger), lines };
}

async function write(storage: LocalStorage, key: string, bytes: Buffer) {
  const upload = await storage.open(key, { contentType: "video/mp4" });
  upload.stream.end(bytes);
  return upload.commit({ bytes: bytes.length });
}

describe("the local store", () => {
  it("keeps the sha256 beside the file in sha256sum's format", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(1234);
    const stored = await write(storage, key, bytes);
    expect(stored.location).toBe(join(root, key));
    expect(readFileSync(join(root, `${key}.sha256`), "utf8")).toBe(`${sha256(bytes)}  ${key.slice(7)}\n`);
    expect(filesUnder(root)).toEqual([key, `${key}.sha256`]);
  });

  it("rebuilds a missing sidecar (a crash between the renames) from the file, once", async () => {
    const { root, storage, lines } = store();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(70_000);
    mkdirSync(join(root, "videos"));
    writeFileSync(join(root, key), bytes);
    expect(await storage.stat(key)).toEqual({
      location: join(root, key),
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
    expect(readFileSync(join(root, `${key}.sha256`), "utf8").slice(0, 64)).toBe(sha256(bytes));
    expect(lines).toEqual([`INFO Wrote the missing or outdated checksum file ${join(root, key)}.sha256`]);
    await storage.stat(key);
    expect(lines).toHaveLength(1);
  });

  it("recomputes a sidecar older than its file (the file replaced by hand)", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    await write(storage, key, Buffer.from("first"));
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, `${key}.sha256`), past, past);
    writeFileSync(join(root, key), "replaced");
    expect((await storage.stat(key))?.sha256).toBe(sha256(Buffer.from("replaced")));
  });

  it("ignores a sidecar that holds no sha256", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    await write(storage, key, Buffer.from("bytes"));
    writeFileSync(join(root, `${key}.sha256`), "garbage");
    expect((await storage.stat(key))?.sha256).toBe(sha256(Buffer.from("bytes")));
  });

  it("resumes a .part a killed process left: offset is its size, and commit checks the whole file", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(200_000);
    mkdirSync(join(root, "videos"));
    writeFileSync(join(root, `${key}.part`), bytes.subarray(0, 123_456));
    const upload = await storage.open(key, { contentType: "video/mp4" });
    expect(upload.offset).toBe(123_456);
    upload.stream.end(bytes.subarray(123_456));
    const stored = await upload.commit({ bytes: bytes.length, sha256: sha256(bytes) });
    expect(stored.sha256).toBe(sha256(bytes));
    expect(readFileSync(join(root, key)).equals(bytes)).toBe(true);
    expect(filesUnder(root)).toEqual([key, `${key}.sha256`]);
  });

  it("refuses a resumed file whose kept bytes differ from the download, and deletes them", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(10_000);
    mkdirSync(join(root, "videos"));
    writeFileSync(join(root, `${key}.part`), randomBytes(4_000));
    const upload = await storage.open(key, { contentType: "video/mp4" });
    upload.stream.end(bytes.subarray(4_000));
    const failure = upload.commit({ bytes: bytes.length, sha256: sha256(bytes) });
    await expect(failure).rejects.toBeInstanceOf(MediaIntegrityError);
    await expect(failure).rejects.toThrow(/was not stored: the download was 10000 bytes with sha256/);
    expect(filesUnder(root)).toEqual([]);
    expect((await storage.open(key, { contentType: "video/mp4" })).offset).toBe(0);
  });

  it("keeps the .part when the stream is destroyed, and refuses to commit that upload", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    const upload = await storage.open(key, { contentType: "video/mp4" });
    await new Promise<void>((resolve) => upload.stream.write(Buffer.alloc(5000, 1), () => resolve()));
    const closed = new Promise((resolve) =>
      upload.stream.on("error", () => undefined).once("close", resolve),
    );
    upload.stream.destroy(new Error("connection reset"));
    await closed;
    await expect(upload.commit({ bytes: 5000 })).rejects.toThrow(
      /cannot be committed: its upload was interrupted/,
    );
    expect(filesUnder(root)).toEqual([`${key}.part`]);
    await upload.abort();
    expect(filesUnder(root)).toEqual([]);
  });

  it("ends the stream itself when commit comes first", async () => {
    const { storage } = store();
    const key = videoKey(randomUUID());
    const upload = await storage.open(key, { contentType: "video/mp4" });
    upload.stream.write(Buffer.from("abc"));
    expect((await upload.commit({ bytes: 3 })).sha256).toBe(sha256(Buffer.from("abc")));
    await expect(upload.commit({ bytes: 3 })).rejects.toThrow(/its upload was committed/);
  });

  it("names the path when the folder cannot be made", async () => {
    const { root } = store();
    writeFileSync(join(root, "file"), "");
    const { logger } = memoryLogger();
    const storage = new LocalStorage(join(root, "file"), logger);
    const key = videoKey(randomUUID());
    await expect(storage.open(key, { contentType: "video/mp4" })).rejects.toThrow(MediaStorageError);
    await expect(storage.open(key, { contentType: "video/mp4" })).rejects.toThrow(
      new RegExp(`Could not open ${join(root, "file", key)}\\.part: ENOTDIR`),
    );
  });

  it("refuses a folder where the file should be", async () => {
    const { root, storage } = store();
    const key = videoKey(randomUUID());
    mkdirSync(join(root, key), { recursive: true });
    await expect(storage.stat(key)).rejects.toThrow(/is not a file/);
  });
});
