import type { Writable } from "node:stream";

/** What a stored object is: where it lives (as the tables show it), its size and its sha256 (hex). */
export interface StoredObject {
  /** `/abs/path/videos/<id>.mp4`, `s3://bucket/prefix/videos/<id>.mp4` or `gs://…`: never a signed URL. */
  location: string;
  bytes: number;
  sha256: string;
}

/**
 * One object being written. Bytes go into `stream` in order; nothing is visible under the key
 * until `commit()` resolves (a temporary file renamed, a completed multipart upload, a finalised
 * resumable upload). `abort()` removes whatever was written. `offset` is how many bytes of an
 * earlier, interrupted upload of the same key are already kept (0 when the store cannot resume
 * across runs): the caller sends only what follows. The store hashes everything the object holds
 * (the kept prefix included) as it passes, so `commit` needs only the expected size; it fails,
 * leaving nothing visible, when the size (or a given sha256) does not match.
 */
export interface MediaUpload {
  readonly offset: number;
  readonly stream: Writable;
  commit(expected: { bytes: number; sha256?: string }): Promise<StoredObject>;
  abort(): Promise<void>;
}

/**
 * Where downloaded media go: a local folder, an S3 bucket (or S3-compatible store), a GCS bucket.
 * Keys are relative paths built by object-keys.ts from validated UUIDs (e.g. `videos/<uuid>.mp4`);
 * an implementation never sees a name from the API.
 */
export interface MediaStorage {
  /** The destination as given, for messages (no credentials in it). */
  readonly description: string;
  /** The object under `key` if it is there whole: its size and sha256 (from metadata, or computed). */
  stat(key: string): Promise<StoredObject | null>;
  /** Starts writing `key`. */
  open(key: string, options: { contentType: string }): Promise<MediaUpload>;
  /** Releases clients and connections. */
  close(): Promise<void>;
}
