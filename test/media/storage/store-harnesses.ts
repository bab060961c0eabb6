import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Storage } from "@google-cloud/storage";
import S3rver from "s3rver";
import { type GcsLocal, startGcsLocal } from "../../../src/emulators/gcs/index.js";
import { type Logger, memoryLogger } from "../../../src/log/logger.js";
import type { MediaStorage } from "../../../src/media/media-storage.js";
import { createGcsStorage, type GcsStorage } from "../../../src/media/storage/gcs-storage.js";
import { LocalStorage } from "../../../src/media/storage/local-storage.js";
import { createS3Storage, type S3Storage } from "../../../src/media/storage/s3-storage.js";

// The SDK warns once per process that its releases from 2027 need Node 22; the tests run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** A store to run the contract on, with its own way of looking behind it. */
export interface StoreUnderTest {
  storage: MediaStorage;
  /** Every file or object the store holds now, the store's own files (.part, .sha256) included. */
  list(): Promise<string[]>;
  /** The bytes under `key`, read back through the store's own client (not through `stat`). */
  read(key: string): Promise<Buffer | null>;
  /** Whether an interrupted upload is resumed by the next `open` (offset > 0). */
  resumes: boolean;
  lines: string[];
  close(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  /** Why the harness cannot run here, or null. */
  skipReason(): string | null;
  open(): Promise<StoreUnderTest>;
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Every file under `dir`, as paths relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

export const localHarness: StoreHarness = {
  name: "local folder",
  skipReason: () => null,
  async open() {
    const temp = tempDir("media-local-");
    const { logger, lines } = memoryLogger();
    const root = join(temp.dir, "media");
    return {
      storage: new LocalStorage(root, logger),
      list: async () => {
        try {
          return filesUnder(root);
        } catch {
          return [];
        }
      },
      read: async (key) => {
        try {
          return readFileSync(join(root, key));
        } catch {
          return null;
        }
      },
      resumes: true,
      lines,
      close: async () => temp.remove(),
    };
  },
};

/** s3rver on a free port, its files in a temporary folder; the store through the real SDK. */
export async function startS3rver(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const temp = tempDir("media-s3rver-");
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory: temp.dir,
    silent: true,
    configureBuckets: [{ name: "media" }],
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      temp.remove();
    },
  };
}

export async function s3StoreOn(endpoint: string, logger: Logger, prefix = "tap/"): Promise<S3Storage> {
  return createS3Storage(
    { kind: "s3", bucket: "media", prefix, description: `s3://media/${prefix}` },
    {
      s3_endpoint: endpoint,
      s3_force_path_style: true,
      s3_access_key_id: "S3RVER",
      s3_secret_access_key: "S3RVER",
    },
    logger,
  );
}

export function s3ClientOf(storage: S3Storage): S3Client {
  return (storage as unknown as { options: { client: S3Client } }).options.client;
}

export const s3Harness: StoreHarness = {
  name: "s3 (s3rver)",
  skipReason: () => null,
  async open() {
    const server = await startS3rver();
    const { logger, lines } = memoryLogger();
    const storage = await s3StoreOn(server.endpoint, logger);
    const client = s3ClientOf(storage);
    return {
      storage,
      list: async () => {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: "media" }));
        return (listed.Contents ?? []).map((o) => String(o.Key)).sort();
      },
      read: async (key) => {
        try {
          const got = await client.send(new GetObjectCommand({ Bucket: "media", Key: `tap/${key}` }));
          return Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()));
        } catch {
          return null;
        }
      },
      resumes: false,
      lines,
      close: async () => {
        await storage.close();
        await server.close();
      },
    };
  },
};

export function gcsClientOf(storage: GcsStorage): Storage {
  return (storage as unknown as { options: { storage: Storage } }).options.storage;
}

/** Reading and listing through the store's own @google-cloud/storage client. */
function gcsUnderTest(
  storage: GcsStorage,
  bucket: string,
  prefix: string,
  lines: string[],
  close: () => Promise<void>,
): StoreUnderTest {
  const client = gcsClientOf(storage).bucket(bucket);
  return {
    storage,
    list: async () => {
      const [files] = await client.getFiles({ prefix });
      return files.map((f) => f.name).sort();
    },
    read: async (key) => {
      try {
        const [bytes] = await client.file(`${prefix}${key}`).download();
        return bytes;
      } catch {
        return null;
      }
    },
    resumes: false,
    lines,
    close,
  };
}

/** 256 KiB chunks (GCS's smallest) so that a few MB make several resumable requests. */
const SMALL_CHUNKS = 256 * 1024;

export async function gcsStoreOn(server: GcsLocal, logger: Logger, prefix = "tap/"): Promise<GcsStorage> {
  return createGcsStorage(
    { kind: "gcs", bucket: "media", prefix, description: `gs://media/${prefix}` },
    { gcs_api_endpoint: server.url },
    logger,
    { chunkSize: SMALL_CHUNKS },
  );
}

export const gcsHarness: StoreHarness = {
  name: "gcs (fake-backed: local GCS JSON API server)",
  skipReason: () => null,
  async open() {
    const server = await startGcsLocal({ buckets: ["media"] });
    const { logger, lines } = memoryLogger();
    const storage = await gcsStoreOn(server, logger);
    return gcsUnderTest(storage, "media", "tap/", lines, () => server.close());
  },
};

const GCS_LIVE_MISSING = ["GOOGLE_APPLICATION_CREDENTIALS", "GCS_TEST_BUCKET"].filter((v) => !process.env[v]);

/** A real bucket (GOOGLE_APPLICATION_CREDENTIALS, GCS_TEST_BUCKET): a prefix per test, emptied after. */
export const gcsLiveHarness: StoreHarness = {
  name: "gcs (live bucket)",
  skipReason: () => (GCS_LIVE_MISSING.length ? `set ${GCS_LIVE_MISSING.join(" and ")}` : null),
  async open() {
    const bucket = String(process.env.GCS_TEST_BUCKET);
    const prefix = `tap-usertesting-contract-${randomBytes(4).toString("hex")}/`;
    const { logger, lines } = memoryLogger();
    const storage = await createGcsStorage(
      { kind: "gcs", bucket, prefix, description: `gs://${bucket}/${prefix}` },
      { gcs_credentials_path: process.env.GOOGLE_APPLICATION_CREDENTIALS ?? null },
      logger,
      { chunkSize: SMALL_CHUNKS },
    );
    return gcsUnderTest(storage, bucket, prefix, lines, async () => {
      await gcsClientOf(storage)
        .bucket(bucket)
        .deleteFiles({ prefix, force: true })
        .catch(() => undefined);
    });
  },
};

export const HARNESSES: StoreHarness[] = [localHarness, s3Harness, gcsHarness, gcsLiveHarness];
