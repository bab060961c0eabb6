import type { Hash } from "node:crypto";
import { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { MediaIntegrityError } from "./media-storage-error.js";

/**
 * The `stream` of every upload here: it counts and hashes what it passes on to `sink`, one chunk
 * at a time (the next waits for the sink, so memory stays constant), and its end is not the
 * sink's: the store finishes the object only in `commit`, once size and hash are checked.
 * Destroying it (as `pipeline` does when the download fails) calls `onInterrupted` once.
 */
export class UploadStream extends Writable {
  private count: number;
  private readonly hash: Hash;
  private interrupted = false;

  constructor(
    private readonly sink: (chunk: Buffer) => Promise<void>,
    start: { bytes: number; hash: Hash },
    private readonly onInterrupted: (error: Error | null) => Promise<void> | void,
  ) {
    super();
    this.count = start.bytes;
    this.hash = start.hash;
  }

  /** Bytes and sha256 of everything the sink has taken, including an earlier upload's prefix. */
  get received(): { bytes: number; sha256: string } {
    return { bytes: this.count, sha256: this.hash.copy().digest("hex") };
  }

  /** Ends the stream if the caller did not, and waits for the last chunk to reach the sink. */
  async drain(): Promise<void> {
    if (this.destroyed && !this.writableFinished)
      throw this.errored ?? new Error("The upload's stream was destroyed before commit");
    if (!this.writableEnded) this.end();
    await finished(this, { readable: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sink(chunk).then(() => {
      this.hash.update(chunk);
      this.count += chunk.length;
      callback();
    }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.writableFinished || this.interrupted) return callback(error);
    this.interrupted = true;
    Promise.resolve(this.onInterrupted(error)).then(
      () => callback(error),
      (cleanup: unknown) => callback(error ?? (cleanup as Error)),
    );
  }
}

/**
 * Ends an upload's stream, waits for its last chunk, and checks what passed against `expected`:
 * on a mismatch `abort` runs and a MediaIntegrityError names `location`; a stream that fails to
 * drain is aborted too, and `failed` describes its error. What the object holds, when all is well.
 */
export async function drainAndCheck(
  stream: UploadStream,
  location: string,
  expected: { bytes: number; sha256?: string },
  abort: () => Promise<void>,
  failed: (error: unknown) => Error,
): Promise<{ bytes: number; sha256: string }> {
  try {
    await stream.drain();
  } catch (error) {
    await abort();
    throw failed(error);
  }
  const received = stream.received;
  if (
    received.bytes !== expected.bytes ||
    (expected.sha256 !== undefined && received.sha256 !== expected.sha256)
  ) {
    await abort();
    throw new MediaIntegrityError(location, expected, received);
  }
  return received;
}
