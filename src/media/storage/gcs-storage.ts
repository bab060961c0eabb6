import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { File, Storage, StorageOptions } from "@google-cloud/storage";
import { registerSecret } from "../../auth/redact.js";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import type { MediaStorage, MediaUpload, StoredObject } from "../media-storage.js";
import { checkKey } from "../object-keys.js";
import { describeStoreError, MediaStorageError } from "./media-storage-error.js";
import type { MediaStorageSettings, StorageUrl } from "./storage-url.js";
import { drainAndCheck, UploadStream } from "./upload-stream.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface GcsStorageOptions {
  storage: Storage;
  bucket: string;
  /** `""` or ending in `/`. */
  prefix: string;
  logger: Logger;
  /** Bytes per resumable-upload request, a multiple of 256 KiB: what the client holds in memory. @default 8 MiB */
  chunkSize?: number;
}

/**
 * Media in a GCS bucket, under `gs://bucket/prefix/<key>`, with the sha256 in the object's custom
 * metadata (`metadata.sha256`). `stat` is one objects.get: an object without it is not whole
 * (null), as is a missing one.
 *
 * - `open` returns at once; the first byte starts a resumable upload (`uploadType=resumable`,
 *   8 MiB per PUT, so memory is constant; the client checks the CRC32C GCS computes against its
 *   own, and retries a failed chunk from where the session got). `offset` is always 0: sessions
 *   are not resumed across runs.
 * - The last request is held back until `commit(expected)`, which first checks the byte count (and
 *   the sha256 if given) against what went through `stream`; on a difference it cancels the
 *   session (DELETE on its URI) and throws MediaIntegrityError: nothing appears under the key.
 * - GCS takes an upload's metadata when the session starts, before the sha256 is known; so after
 *   the upload is finalised, `commit` patches it in (objects.patch with ifGenerationMatch of the
 *   generation just written: a newer writer's object is left alone). Between the two the object is
 *   there without a sha256, which `stat` counts as absent. An object of 0 bytes goes up by one
 *   multipart request that carries it.
 * - `abort()`, or destroying `stream` (what `pipeline` does when the download fails), cancels the
 *   session; one a killed process leaves expires after a week and never becomes an object.
 *
 * Permissions: storage.objects.create, .get, .update (the patch) and .delete (overwriting);
 * roles/storage.objectUser has them.
 */
export class GcsStorage implements MediaStorage {
  readonly description: string;

  constructor(private readonly options: GcsStorageOptions) {
    this.description = `gs://${options.bucket}${options.prefix ? `/${options.prefix.slice(0, -1)}` : ""}`;
  }

  private target(key: string): { file: File; location: string } {
    const name = `${this.options.prefix}${checkKey(key)}`;
    return {
      file: this.options.storage.bucket(this.options.bucket).file(name),
      location: `gs://${this.options.bucket}/${name}`,
    };
  }

  async stat(key: string): Promise<StoredObject | null> {
    const { file, location } = this.target(key);
    try {
      const [metadata] = await file.getMetadata();
      const sha256 = metadata.metadata?.sha256;
      if (typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) return null;
      return { location, bytes: Number(metadata.size ?? 0), sha256 };
    } catch (error) {
      if ((error as { code?: number }).code === 404) return null;
      throw storeError(`read ${location}`, location, error);
    }
  }

  async open(key: string, options: { contentType: string }): Promise<MediaUpload> {
    const { file, location } = this.target(key);
    return new GcsUpload(file, location, options.contentType, this.options.chunkSize ?? 8 * 1024 * 1024);
  }

  async close(): Promise<void> {}
}

class GcsUpload implements MediaUpload {
  readonly offset = 0;
  readonly stream: UploadStream;
  private state: "open" | "committing" | "committed" | "aborted" = "open";
  private aborting: Promise<void> | null = null;
  /** The resumable upload, made on the first byte. */
  private upload: Writable | null = null;
  private sessionUri: string | null = null;
  private failure: Error | null = null;
  private readonly failed: Promise<never>;
  private fail: (error: Error) => void = () => {};

  constructor(
    private readonly file: File,
    private readonly location: string,
    private readonly contentType: string,
    private readonly chunkSize: number,
  ) {
    this.failed = new Promise<never>((_, reject) => {
      this.fail = reject;
    });
    this.failed.catch(() => undefined);
    this.stream = new UploadStream(
      (chunk) => {
        const upload = this.upload ?? this.start();
        return Promise.race([
          new Promise<void>((resolve, reject) =>
            upload.write(chunk, (error) => (error ? reject(error) : resolve())),
          ),
          this.failed,
        ]);
      },
      { bytes: 0, hash: createHash("sha256") },
      () => this.abort(),
    );
  }

  private start(): Writable {
    const upload = this.file.createWriteStream({
      resumable: true,
      chunkSize: this.chunkSize,
      validation: "crc32c",
      metadata: { contentType: this.contentType },
    });
    upload.on("uri", (uri: string) => {
      this.sessionUri = uri;
    });
    upload.on("error", (error: Error) => {
      this.failure ??= error;
      this.fail(error);
      if (this.state === "open")
        this.stream.destroy(storeError(`upload ${this.location}`, this.location, error));
    });
    this.upload = upload;
    return upload;
  }

  async commit(expected: { bytes: number; sha256?: string }): Promise<StoredObject> {
    const { location } = this;
    if (this.state !== "open")
      throw new MediaStorageError(`${location} cannot be committed: its upload was ${this.state}.`, location);
    this.state = "committing";
    const received = await drainAndCheck(
      this.stream,
      location,
      expected,
      () => this.abort(),
      (error) => storeError(`upload ${location}`, location, error),
    );
    const metadata = { sha256: received.sha256 };
    try {
      if (!this.upload) {
        await this.file.save(Buffer.alloc(0), {
          resumable: false,
          metadata: { contentType: this.contentType, metadata },
        });
      } else {
        const upload = this.upload;
        upload.end();
        await Promise.race([finished(upload, { readable: false }), this.failed]);
        const generation = this.file.metadata.generation;
        await this.file.setMetadata(
          { metadata },
          generation !== undefined ? { ifGenerationMatch: generation } : {},
        );
      }
    } catch (error) {
      this.state = "aborted";
      throw storeError(`upload ${location}`, location, this.failure ?? error);
    }
    this.state = "committed";
    return { location, bytes: received.bytes, sha256: received.sha256 };
  }

  abort(): Promise<void> {
    if (this.state === "committed") return Promise.resolve();
    // Set before any work: destroying the stream below calls abort() again.
    this.state = "aborted";
    this.aborting ??= Promise.resolve().then(async () => {
      if (!this.stream.destroyed) this.stream.destroy();
      if (this.upload && !this.upload.destroyed) this.upload.destroy();
      // A session URI needs no credentials (it is one); GCS answers a cancel with 499.
      if (this.sessionUri) {
        const response = await fetch(this.sessionUri, { method: "DELETE" }).catch(() => null);
        await response?.body?.cancel();
      }
    });
    return this.aborting;
  }
}

function storeError(what: string, location: string, error: unknown): MediaStorageError {
  if (error instanceof MediaStorageError) return error;
  const code = (error as { code?: number | string }).code;
  const hint =
    code === 403 || code === 401
      ? " (the credentials need storage.objects.create, .get, .update and .delete on the bucket: roles/storage.objectUser)"
      : "";
  return new MediaStorageError(`Could not ${what}: ${describeStoreError(error)}${hint}`, location, {
    cause: error,
  });
}

/** The credentials the settings give: the key's content parsed, or a key file checked; secrets registered. */
function credentialsOf(settings: MediaStorageSettings): Pick<StorageOptions, "credentials" | "keyFilename"> {
  if (settings.gcs_credentials_json) {
    registerSecret(settings.gcs_credentials_json);
    let key: Record<string, unknown>;
    try {
      key = JSON.parse(settings.gcs_credentials_json) as Record<string, unknown>;
    } catch {
      throw new ConfigError(
        "The setting 'gcs_credentials_json' is not JSON: give the service account key file's content.",
      );
    }
    registerSecret(typeof key.private_key === "string" ? key.private_key : undefined);
    return { credentials: key as StorageOptions["credentials"] };
  }
  if (settings.gcs_credentials_path) {
    try {
      const key = JSON.parse(readFileSync(settings.gcs_credentials_path, "utf8")) as {
        private_key?: unknown;
      };
      registerSecret(typeof key.private_key === "string" ? key.private_key : undefined);
    } catch (error) {
      throw new ConfigError(
        `The setting 'gcs_credentials_path' names ${settings.gcs_credentials_path}, which is not a readable key file (${(error as NodeJS.ErrnoException).code ?? "not JSON"}).`,
      );
    }
    return { keyFilename: settings.gcs_credentials_path };
  }
  return {};
}

/**
 * The GCS client the settings describe; then the store. Without credentials it uses application
 * default credentials, except against a `gcs_api_endpoint` outside googleapis.com, where requests
 * go unauthenticated (the client's own rule for custom endpoints, as a local emulator wants).
 * With credentials and such an endpoint, requests are authenticated, except resumable upload
 * chunks: @google-cloud/storage 7.x does not pass `useAuthWithCustomEndpoint` to them.
 */
export async function createGcsStorage(
  url: Extract<StorageUrl, { kind: "s3" | "gcs" }>,
  settings: MediaStorageSettings,
  logger: Logger,
  options: Partial<Pick<GcsStorageOptions, "chunkSize">> = {},
): Promise<GcsStorage> {
  const { IdempotencyStrategy, Storage } = await import("@google-cloud/storage");
  const endpoint = settings.gcs_api_endpoint ?? undefined;
  let host: string | undefined;
  try {
    host = endpoint === undefined ? undefined : new URL(endpoint).hostname;
  } catch {
    host = "";
  }
  if (endpoint !== undefined && (!host || !/^https?:\/\//i.test(endpoint)))
    throw new ConfigError(
      `The setting 'gcs_api_endpoint' (${JSON.stringify(endpoint)}) is not an http:// or https:// URL.`,
    );
  const credentials = credentialsOf(settings);
  const authenticated = Object.keys(credentials).length > 0 || /(^|\.)googleapis\.com$/i.test(host ?? "");
  const storage = new Storage({
    ...(settings.gcs_project ? { projectId: settings.gcs_project } : {}),
    ...credentials,
    ...(endpoint
      ? { apiEndpoint: endpoint.replace(/\/+$/, ""), useAuthWithCustomEndpoint: authenticated }
      : {}),
    // The default (RetryConditional) retries an upload only under an ifGenerationMatch
    // precondition, so one 503 would end a long upload. Every request here may be repeated:
    // an upload rewrites the same bytes, the patch is pinned to a generation.
    retryOptions: { idempotencyStrategy: IdempotencyStrategy.RetryAlways },
  });
  return new GcsStorage({
    storage,
    bucket: url.bucket,
    prefix: url.prefix,
    logger,
    ...options,
  });
}
