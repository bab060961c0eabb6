import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type { MediaUpload, StoredObject } from "../../../src/media/media-storage.js";

export interface MemoryUploadOptions {
  /** Bytes an earlier, interrupted upload kept: `offset` is their length. */
  kept?: Buffer;
  /** The stream's buffer: a write beyond it returns false until 'drain'. @default 16384 */
  highWaterMark?: number;
  /** Each chunk is taken after this long, as a slow store would (backpressure builds up). @default 0 */
  writeDelayMs?: number;
  /** The stream fails with this error after taking this many bytes (a full disk). */
  failAfterBytes?: number;
}

/**
 * The MediaUpload contract in memory, for the downloader's specs: hashes what passes (the kept
 * prefix included), and on commit ends the stream if the writer has not, waits for it, then
 * checks the size (and sha256 when given). Nothing is "visible" (`committed`) before that.
 */
export class MemoryUpload implements MediaUpload {
  readonly offset: number;
  readonly stream: Writable;
  state: "open" | "committed" | "aborted" = "open";
  /** The most bytes the stream held unwritten at once. */
  peakBuffered = 0;
  private readonly chunks: Buffer[] = [];
  private readonly hash = createHash("sha256");
  private size = 0;

  constructor(options: MemoryUploadOptions = {}) {
    const kept = options.kept ?? Buffer.alloc(0);
    this.offset = kept.length;
    this.take(kept);
    const delay = options.writeDelayMs ?? 0;
    this.stream = new Writable({
      highWaterMark: options.highWaterMark ?? 16_384,
      write: (chunk: Buffer, _encoding, done) => {
        this.peakBuffered = Math.max(this.peakBuffered, this.stream.writableLength);
        if (options.failAfterBytes !== undefined && this.size + chunk.length > options.failAfterBytes) {
          done(new Error("ENOSPC: no space left on device, write"));
          return;
        }
        this.take(chunk);
        if (delay > 0) setTimeout(done, delay);
        else done();
      },
    });
  }

  /** Everything the object holds so far. */
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async commit(expected: { bytes: number; sha256?: string }): Promise<StoredObject> {
    if (this.state !== "open") throw new Error(`commit of a ${this.state} upload`);
    if (!this.stream.writableEnded) this.stream.end();
    await finished(this.stream);
    const sha256 = this.hash.digest("hex");
    if (this.size !== expected.bytes)
      throw new Error(`the upload holds ${this.size} bytes, not the ${expected.bytes} expected`);
    if (expected.sha256 && expected.sha256 !== sha256) throw new Error("the upload's sha256 differs");
    this.state = "committed";
    return { location: "memory://upload", bytes: this.size, sha256 };
  }

  async abort(): Promise<void> {
    this.state = "aborted";
    this.stream.destroy();
  }

  private take(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.hash.update(chunk);
    this.size += chunk.length;
  }
}

export const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");
