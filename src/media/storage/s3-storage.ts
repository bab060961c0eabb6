import { createHash } from "node:crypto";
import { PassThrough } from "node:stream";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { Upload } from "@aws-sdk/lib-storage";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import type { MediaStorage, MediaUpload, StoredObject } from "../media-storage.js";
import { checkKey } from "../object-keys.js";
import { describeStoreError, MediaStorageError } from "./media-storage-error.js";
import type { MediaStorageSettings, StorageUrl } from "./storage-url.js";
import { drainAndCheck, UploadStream } from "./upload-stream.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** `""` or ending in `/`. */
  prefix: string;
  logger: Logger;
  /** Multipart part size: what each of `queueSize` uploaders holds in memory. @default 8 MiB */
  partSize?: number;
  /** Parts uploaded at once. @default 2 */
  queueSize?: number;
  /** The largest object stamped by one CopyObject (S3's limit); above it, a multipart copy. @default 5 GiB */
  copyLimit?: number;
  /** Part size of that multipart copy (5 MiB to 5 GiB; at most 10,000 parts). @default 1 GiB */
  copyPartSize?: number;
}

/**
 * Media in an S3 bucket (or an S3-compatible store), under `s3://bucket/prefix/<key>`, with the
 * sha256 in the object's metadata (`x-amz-meta-sha256`). `stat` is one HeadObject: an object
 * without that metadata is not whole (null), as is a missing one.
 *
 * - `open` starts a lib-storage Upload fed by `stream` (8 MiB parts, two at a time, so memory is
 *   constant). `offset` is always 0: an interrupted multipart upload is not resumed across runs.
 * - The last part is held back until `commit(expected)`, which first checks the byte count (and
 *   the sha256 if given) against what went through `stream`; on a difference it aborts the
 *   multipart upload and throws MediaIntegrityError, and nothing appears under the key.
 * - S3 fixes an object's metadata when the upload starts (CreateMultipartUpload), before the
 *   sha256 is known; so `commit`, after completing the upload, copies the object onto itself with
 *   the sha256 in its metadata (CopyObject, MetadataDirective REPLACE, pinned by
 *   CopySourceIfMatch to the ETag just written; a multipart copy above 5 GiB). An object of one
 *   part (8 MiB or less) goes up by one PutObject that already carries it. Between the two steps
 *   the object is there without a sha256, which `stat` counts as absent.
 * - `abort()`, or destroying `stream` (what `pipeline` does when the download fails), aborts the
 *   multipart upload (AbortMultipartUpload); a bucket lifecycle rule
 *   (AbortIncompleteMultipartUpload) also clears what a killed process leaves.
 *
 * Permissions: s3:PutObject, s3:GetObject (HeadObject, the copy's source), s3:AbortMultipartUpload;
 * s3:ListBucket too, or S3 answers 403 instead of 404 for an object that is not there yet.
 */
export class S3Storage implements MediaStorage {
  readonly description: string;

  constructor(private readonly options: S3StorageOptions) {
    this.description = `s3://${options.bucket}${options.prefix ? `/${options.prefix.slice(0, -1)}` : ""}`;
  }

  private target(key: string): { Bucket: string; Key: string; location: string } {
    const Key = `${this.options.prefix}${checkKey(key)}`;
    return { Bucket: this.options.bucket, Key, location: `s3://${this.options.bucket}/${Key}` };
  }

  async stat(key: string): Promise<StoredObject | null> {
    const { Bucket, Key, location } = this.target(key);
    const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      const head = await this.options.client.send(new HeadObjectCommand({ Bucket, Key }));
      const sha256 = head.Metadata?.sha256;
      if (!sha256 || !SHA256_HEX.test(sha256)) return null;
      return { location, bytes: head.ContentLength ?? 0, sha256 };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw storeError(`read ${location}`, location, error);
    }
  }

  async open(key: string, options: { contentType: string }): Promise<MediaUpload> {
    const target = this.target(key);
    const { Upload } = await import("@aws-sdk/lib-storage");
    const body = new PassThrough();
    /** Shared with the Upload's params: commit puts the sha256 in before a single PutObject goes. */
    const metadata: Record<string, string> = {};
    const upload = new Upload({
      client: this.options.client,
      params: {
        Bucket: target.Bucket,
        Key: target.Key,
        Body: body,
        ContentType: options.contentType,
        Metadata: metadata,
      },
      partSize: this.options.partSize ?? 8 * MiB,
      queueSize: this.options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    return new S3Upload(this.options, target, options.contentType, upload, body, metadata);
  }

  async close(): Promise<void> {
    this.options.client.destroy();
  }
}

type Outcome = { ok: true; etag: string | undefined } | { ok: false; error: unknown };

class S3Upload implements MediaUpload {
  readonly offset = 0;
  readonly stream: UploadStream;
  private state: "open" | "committing" | "committed" | "aborted" = "open";
  private aborting: Promise<void> | null = null;
  private readonly outcome: Promise<Outcome>;
  /** The upload ended (done() settled), so abort() has no multipart upload to end. */
  private settled = false;

  constructor(
    private readonly options: S3StorageOptions,
    private readonly target: { Bucket: string; Key: string; location: string },
    private readonly contentType: string,
    upload: Upload,
    private readonly body: PassThrough,
    private readonly metadata: Record<string, string>,
  ) {
    this.outcome = upload.done().then(
      (result): Outcome => ({ ok: true, etag: result.ETag }),
      (error: unknown): Outcome => ({ ok: false, error }),
    );
    void this.outcome.then(() => {
      this.settled = true;
    });
    const failed = this.outcome.then((outcome) => {
      if (!outcome.ok) throw storeError(`upload ${target.location}`, target.location, outcome.error);
      return new Promise<never>(() => {});
    });
    failed.catch((error: Error) => {
      if (this.state === "open") this.stream.destroy(error);
    });
    this.stream = new UploadStream(
      (chunk) =>
        Promise.race([
          new Promise<void>((resolve, reject) =>
            body.write(chunk, (error) => (error ? reject(error) : resolve())),
          ),
          failed,
        ]),
      { bytes: 0, hash: createHash("sha256") },
      () => this.abort(),
    );
  }

  async commit(expected: { bytes: number; sha256?: string }): Promise<StoredObject> {
    const { location } = this.target;
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
    this.metadata.sha256 = received.sha256;
    this.body.end();
    const outcome = await this.outcome;
    if (!outcome.ok) {
      this.state = "aborted";
      throw storeError(`upload ${location}`, location, outcome.error);
    }
    this.state = "committed";
    await this.stamp(outcome.etag, received);
    return { location, bytes: received.bytes, sha256: received.sha256 };
  }

  /** Makes sure the object carries its sha256, copying it onto itself when the upload could not. */
  private async stamp(etag: string | undefined, received: { bytes: number; sha256: string }): Promise<void> {
    const { Bucket, Key, location } = this.target;
    const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
    try {
      const head = await this.options.client.send(
        new HeadObjectCommand({ Bucket, Key, ...(etag ? { IfMatch: etag } : {}) }),
      );
      if (head.ContentLength !== received.bytes)
        throw new MediaStorageError(
          `${location} holds ${head.ContentLength} bytes after the upload of ${received.bytes}: another writer replaced it, or the store lost bytes.`,
          location,
        );
      if (head.Metadata?.sha256 === received.sha256) return;
      await stampSha256(this.options.client, {
        Bucket,
        Key,
        etag,
        bytes: received.bytes,
        sha256: received.sha256,
        contentType: this.contentType,
        copyLimit: this.options.copyLimit ?? 5 * GiB,
        copyPartSize: this.options.copyPartSize ?? GiB,
      });
      this.options.logger.debug(`Stamped ${location} with its sha256 by copying it onto itself`);
    } catch (error) {
      throw storeError(`record the sha256 of ${location}`, location, error);
    }
  }

  abort(): Promise<void> {
    if (this.state === "committed") return Promise.resolve();
    // Set before any work: destroying the stream below calls abort() again.
    this.state = "aborted";
    this.aborting ??= Promise.resolve().then(async () => {
      // The upload reads `body`: an error there ends it, and lib-storage aborts the multipart
      // upload before done() settles, so awaiting the outcome awaits the AbortMultipartUpload.
      // done() rejects with the error that ended it unless that abort failed too.
      const reason = new Error("The media upload was aborted");
      const endedBefore = this.settled;
      this.body.destroy(reason);
      if (!this.stream.destroyed) this.stream.destroy();
      const outcome = await this.outcome;
      if (!outcome.ok && outcome.error !== reason && !endedBefore)
        this.options.logger.warn(
          `The multipart upload of ${this.target.location} may be left incomplete (${describeStoreError(outcome.error)}); a lifecycle rule (AbortIncompleteMultipartUpload) clears such uploads.`,
        );
    });
    return this.aborting;
  }
}

/**
 * Copies the object onto itself with `sha256` in its metadata (and its content type again:
 * REPLACE drops what it is not given). CopySourceIfMatch pins the copy to the upload just made:
 * if another writer replaced the object since, S3 answers 412 and nothing changes. Above
 * `copyLimit` (S3's 5 GiB for one CopyObject), a multipart copy of `copyPartSize` ranges.
 */
export async function stampSha256(
  client: Pick<S3Client, "send">,
  object: {
    Bucket: string;
    Key: string;
    etag: string | undefined;
    bytes: number;
    sha256: string;
    contentType: string;
    copyLimit: number;
    copyPartSize: number;
  },
): Promise<void> {
  const s3 = await import("@aws-sdk/client-s3");
  const { Bucket, Key } = object;
  const CopySource = `${encodeURIComponent(Bucket)}/${Key.split("/").map(encodeURIComponent).join("/")}`;
  const pin = object.etag ? { CopySourceIfMatch: object.etag } : {};
  const Metadata = { sha256: object.sha256 };
  if (object.bytes <= object.copyLimit) {
    await client.send(
      new s3.CopyObjectCommand({
        Bucket,
        Key,
        CopySource,
        ...pin,
        MetadataDirective: "REPLACE",
        Metadata,
        ContentType: object.contentType,
      }),
    );
    return;
  }
  const { UploadId } = await client.send(
    new s3.CreateMultipartUploadCommand({ Bucket, Key, Metadata, ContentType: object.contentType }),
  );
  try {
    const Parts: Array<{ PartNumber: number; ETag: string | undefined }> = [];
    for (let start = 0, PartNumber = 1; start < object.bytes; start += object.copyPartSize, PartNumber++) {
      const end = Math.min(start + object.copyPartSize, object.bytes) - 1;
      const part = await client.send(
        new s3.UploadPartCopyCommand({
          Bucket,
          Key,
          UploadId,
          PartNumber,
          CopySource,
          ...pin,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      Parts.push({ PartNumber, ETag: part.CopyPartResult?.ETag });
    }
    await client.send(
      new s3.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
    );
  } catch (error) {
    await client.send(new s3.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw error;
  }
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string })?.name;
  return status(error) === 404 || name === "NotFound" || name === "NoSuchKey";
}

function storeError(what: string, location: string, error: unknown): MediaStorageError {
  if (error instanceof MediaStorageError) return error;
  const hint =
    status(error) === 403
      ? " (access denied: the credentials need s3:GetObject, s3:PutObject and s3:AbortMultipartUpload on the bucket, and s3:ListBucket, without which a missing object is a 403 too)"
      : (error as { name?: string })?.name === "CredentialsProviderError"
        ? " (no AWS credentials were found: set 's3_access_key_id' and 's3_secret_access_key', or give the environment a profile or role)"
        : "";
  return new MediaStorageError(`Could not ${what}: ${describeStoreError(error)}${hint}`, location, {
    cause: error,
  });
}

/** The S3 client the settings describe, checked for a region; then the store. */
export async function createS3Storage(
  url: Extract<StorageUrl, { kind: "s3" | "gcs" }>,
  settings: MediaStorageSettings,
  logger: Logger,
): Promise<S3Storage> {
  const { S3Client } = await import("@aws-sdk/client-s3");
  const endpoint = settings.s3_endpoint ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/i.test(endpoint))
    throw new ConfigError(
      `The setting 's3_endpoint' (${JSON.stringify(endpoint)}) is not an http:// or https:// URL.`,
    );
  const keyId = settings.s3_access_key_id ?? undefined;
  const secret = settings.s3_secret_access_key ?? undefined;
  if (Boolean(keyId) !== Boolean(secret))
    throw new ConfigError(
      "The settings 's3_access_key_id' and 's3_secret_access_key' go together: give both, or neither to use the AWS SDK's default credentials (environment, profile, instance or task role).",
    );
  if (settings.s3_session_token && !keyId)
    throw new ConfigError(
      "The setting 's3_session_token' needs 's3_access_key_id' and 's3_secret_access_key'.",
    );
  const config: S3ClientConfig = {
    region: settings.s3_region ?? (endpoint ? "us-east-1" : undefined),
    forcePathStyle: settings.s3_force_path_style ?? false,
    // A bucket in another region than configured answers 301; the client follows it.
    followRegionRedirects: true,
    ...(keyId && secret
      ? {
          credentials: {
            accessKeyId: keyId,
            secretAccessKey: secret,
            ...(settings.s3_session_token ? { sessionToken: settings.s3_session_token } : {}),
          },
        }
      : {}),
    // S3-compatible stores may not read the SDK's default checksums (since 3.729: a CRC32 trailer
    // with aws-chunked encoding on streamed bodies): s3rver stores the chunk framing as the object.
    // Checksums only where an operation requires them, as before.
    ...(endpoint
      ? { endpoint, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
      : {}),
  };
  const client = new S3Client(config);
  try {
    await client.config.region();
  } catch {
    client.destroy();
    throw new ConfigError(
      `No AWS region is known for ${url.description}: set 's3_region' (or the AWS_REGION variable).`,
    );
  }
  return new S3Storage({ client, bucket: url.bucket, prefix: url.prefix, logger });
}
