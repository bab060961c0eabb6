import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { redact } from "../../../src/auth/redact.js";
import { type GcsLocal, startGcsLocal } from "../../../src/emulators/gcs/index.js";
import { ConfigError } from "../../../src/errors.js";
import { memoryLogger } from "../../../src/log/logger.js";
import { videoKey } from "../../../src/media/object-keys.js";
import { createGcsStorage, type GcsStorage } from "../../../src/media/storage/gcs-storage.js";
import { MediaStorageError } from "../../../src/media/storage/media-storage-error.js";
import { gcsClientOf, gcsStoreOn, tempDir } from "./store-harnesses.js";

const KiB = 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gcs(): Promise<{ server: GcsLocal; storage: GcsStorage }> {
  const server = await startGcsLocal({ buckets: ["media"] });
  cleanups.push(() => server.close());
  const { logger } = memoryLogger();
  return { server, storage: await gcsStoreOn(server, logger) };
}

async function store(storage: GcsStorage, key: string, bytes: Buffer) {
  const upload = await storage.open(key, { contentType: "video/mp4" });
  for (let at = 0; at < bytes.length; at += 100 * KiB)
    await new Promise<void>((resolve, reject) =>
      upload.stream.write(bytes.subarray(at, at + 100 * KiB), (e) => (e ? reject(e) : resolve())),
    );
  upload.stream.end();
  return upload.commit({ bytes: bytes.length });
}

const sent = (server: GcsLocal) =>
  server.requests.map(
    (r) => `${r.method} ${r.route} ${r.status}${r.contentRange ? ` ${r.contentRange}` : ""}`,
  );

describe("the GCS store (fake-backed: local GCS JSON API server)", () => {
  it("uploads in 256 KiB resumable chunks, finalises at commit, then patches the sha256 into that generation", async () => {
    const { server, storage } = await gcs();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(600 * KiB);
    await store(storage, key, bytes);
    expect(sent(server)).toEqual([
      "POST uploads.start 200",
      "PUT uploads.put 308 bytes 0-262143/*",
      "PUT uploads.put 308 bytes 262144-524287/*",
      "PUT uploads.put 200 bytes 524288-614399/614400",
      "PATCH objects.patch 200",
    ]);
    const [object] = server.objects();
    expect(object).toMatchObject({
      name: `tap/${key}`,
      contentType: "video/mp4",
      metadata: { sha256: sha256(bytes) },
    });
    expect(server.requests[4]?.query).toEqual({ ifGenerationMatch: String(object?.generation) });
    expect(server.requests.every((r) => !r.authorized)).toBe(true);
    expect(await storage.stat(key)).toEqual({
      location: `gs://media/tap/${key}`,
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
  });

  it("sends a file of 0 bytes as one multipart request that already carries its sha256", async () => {
    const { server, storage } = await gcs();
    const key = videoKey(randomUUID());
    await store(storage, key, Buffer.alloc(0));
    expect(sent(server)).toEqual(["POST objects.insert 200"]);
    expect(server.requests[0]?.query).toMatchObject({ uploadType: "multipart", name: `tap/${key}` });
    expect(server.objects()[0]?.metadata).toEqual({ sha256: sha256(Buffer.alloc(0)) });
  });

  it("cancels the resumable session on abort", async () => {
    const { server, storage } = await gcs();
    const upload = await storage.open(videoKey(randomUUID()), { contentType: "video/mp4" });
    for (let i = 0; i < 3; i++)
      await new Promise<void>((resolve) => upload.stream.write(Buffer.alloc(200 * KiB, i), () => resolve()));
    await upload.abort();
    expect(sent(server)).toEqual([
      "POST uploads.start 200",
      "PUT uploads.put 308 bytes 0-262143/*",
      "DELETE uploads.cancel 499",
    ]);
    expect(server.openSessions()).toBe(0);
    expect(server.objects()).toEqual([]);
  });

  it("carries on after a chunk answered 503: the client asks where the session is and sends the rest", async () => {
    const { server, storage } = await gcs();
    server.failRequest("uploads.put", 2, 503);
    const key = videoKey(randomUUID());
    const bytes = randomBytes(700 * KiB);
    await store(storage, key, bytes);
    expect(sent(server)).toContain("PUT uploads.put 503 bytes 262144-524287/*");
    expect(sent(server)).toContain("PUT uploads.put 308 bytes */*");
    expect(server.objects()[0]?.data.equals(bytes)).toBe(true);
    expect((await storage.stat(key))?.sha256).toBe(sha256(bytes));
  }, 20_000);

  it("counts an object without a sha256 in its metadata as not there", async () => {
    const { storage } = await gcs();
    const key = videoKey(randomUUID());
    await gcsClientOf(storage)
      .bucket("media")
      .file(`tap/${key}`)
      .save(Buffer.from("x"), { resumable: false });
    expect(await storage.stat(key)).toBeNull();
  });

  it("names the object and GCS's answer when the bucket does not exist", async () => {
    const server = await startGcsLocal();
    cleanups.push(() => server.close());
    const { logger } = memoryLogger();
    const storage = await createGcsStorage(
      { kind: "gcs", bucket: "missing", prefix: "", description: "gs://missing" },
      { gcs_api_endpoint: server.url },
      logger,
    );
    const key = videoKey(randomUUID());
    await expect(storage.stat(key)).resolves.toBeNull();
    const upload = await storage.open(key, { contentType: "video/mp4" });
    const failed = new Promise<Error>((resolve) => upload.stream.once("error", resolve));
    upload.stream.write(Buffer.from("abc"));
    const error = await failed;
    expect(error).toBeInstanceOf(MediaStorageError);
    expect(error.message).toContain(`Could not upload gs://missing/${key}`);
    await upload.abort();
  });
});

describe("the GCS settings", () => {
  const url = { kind: "gcs" as const, bucket: "media", prefix: "", description: "gs://media" };
  const { logger } = memoryLogger();
  const options = (s: GcsStorage) =>
    gcsClientOf(s) as unknown as {
      apiEndpoint: string;
      useAuthWithCustomEndpoint?: boolean;
      projectId?: string;
    };

  it("goes unauthenticated to a local endpoint, and authenticated to a googleapis.com one", async () => {
    expect(
      options(await createGcsStorage(url, { gcs_api_endpoint: "http://127.0.0.1:4443/" }, logger)),
    ).toMatchObject({
      apiEndpoint: "http://127.0.0.1:4443",
      useAuthWithCustomEndpoint: false,
    });
    expect(
      options(
        await createGcsStorage(url, { gcs_api_endpoint: "https://storage-eu.p.googleapis.com" }, logger),
      ),
    ).toMatchObject({ useAuthWithCustomEndpoint: true });
  });

  it("takes a key's content, registers its private key as a secret, and uses its project", async () => {
    const privateKey = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs8", format: "pem" })
      .toString();
    const key = {
      type: "service_account",
      project_id: "p1",
      client_email: "a@p1.iam.gserviceaccount.com",
      private_key: privateKey,
    };
    const storage = await createGcsStorage(
      url,
      { gcs_credentials_json: JSON.stringify(key), gcs_project: "p2" },
      logger,
    );
    expect(options(storage).projectId).toBe("p2");
    expect(redact(`key: ${privateKey}`)).not.toContain(privateKey.split("\n")[1]);
  });

  it.each([
    [
      "key content that is not JSON",
      { gcs_credentials_json: "{not json" },
      /'gcs_credentials_json' is not JSON/,
    ],
    [
      "a key file that is not there",
      { gcs_credentials_path: "/nonexistent/key.json" },
      /names \/nonexistent\/key\.json, which is not a readable key file \(ENOENT\)/,
    ],
    [
      "an endpoint that is no URL",
      { gcs_api_endpoint: "localhost:4443" },
      /'gcs_api_endpoint' \("localhost:4443"\) is not an http/,
    ],
  ])("refuses %s", async (_name, settings, message) => {
    await expect(createGcsStorage(url, settings, logger)).rejects.toThrow(ConfigError);
    await expect(createGcsStorage(url, settings, logger)).rejects.toThrow(message);
  });

  it("refuses a key file that is not JSON, without quoting it", async () => {
    const temp = tempDir("gcs-key-");
    cleanups.push(temp.remove);
    const path = join(temp.dir, "key.json");
    writeFileSync(path, "private stuff");
    await expect(createGcsStorage(url, { gcs_credentials_path: path }, logger)).rejects.toThrow(
      `names ${path}, which is not a readable key file (not JSON)`,
    );
  });
});
