import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Logger } from "../../log/logger.js";
import type { MediaStorage, MediaUpload, StoredObject } from "../media-storage.js";
import { checkKey } from "../object-keys.js";
import { MediaIntegrityError, MediaStorageError } from "./media-storage-error.js";
import { UploadStream } from "./upload-stream.js";

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Media in a local folder: `<root>/<key>` (e.g. `<root>/videos/<uuid>.mp4`), beside it
 * `<key>.sha256` in `sha256sum` format (`<hex>  <file name>`, so `sha256sum -c` checks a folder),
 * and, while a download is under way or was interrupted, `<key>.part`.
 *
 * - `open` writes into `<key>.part` (folders made as needed). If a `.part` is already there, an
 *   earlier download was interrupted (the process was killed): the upload resumes after it.
 *   `offset` is its size; `open` reads those bytes once to start the running sha256 with them.
 *   The caller asks the source for what follows (`Range: bytes=<offset>-`) and writes only that.
 *   A caller that cannot resume (the source ignores Range, or the file changed) calls `abort()`
 *   and opens again: offset 0.
 * - `commit(expected)` checks that the `.part` holds `expected.bytes` bytes (counted as written
 *   and as the file's size) and, when `expected.sha256` is given, that the running sha256 of the
 *   whole file, prefix included, equals it; on any difference it deletes the `.part` and throws
 *   MediaIntegrityError. Then it fsyncs the data, removes an older sidecar, renames the `.part`
 *   onto the key (atomic: a reader sees the old file or the new, whole), writes the sidecar
 *   (temporary file, renamed) and fsyncs the folder. The StoredObject it returns carries the
 *   running sha256.
 * - Destroying `stream` (what `pipeline` does when the download fails) closes the file and keeps
 *   the `.part` for the next run; `abort()` deletes it.
 * - `stat` reads the size and the sidecar. A missing sidecar (a crash between the two renames),
 *   or one older than the file (replaced by hand), is rebuilt by reading the file once.
 *
 * One writer per key at a time (the tap downloads each medium once per run). Memory is constant:
 * bytes go to the file chunk by chunk, and hashing reads 64 KiB at a time.
 */
export class LocalStorage implements MediaStorage {
  readonly description: string;

  constructor(
    /** Absolute folder. */
    private readonly root: string,
    private readonly logger: Logger,
  ) {
    this.description = root;
  }

  private path(key: string): string {
    return join(this.root, checkKey(key));
  }

  async stat(key: string): Promise<StoredObject | null> {
    const path = this.path(key);
    let size: number;
    let modified: number;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new MediaStorageError(`${path} is not a file.`, path);
      size = info.size;
      modified = info.mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw fsError(`read ${path}`, path, error);
    }
    let sha256 = await readSidecar(path, modified);
    if (!sha256) {
      sha256 = (await hashFile(path, size, createHash("sha256"))).digest("hex");
      await writeSidecar(path, sha256);
      this.logger.info(`Wrote the missing or outdated checksum file ${path}.sha256`);
    }
    return { location: path, bytes: size, sha256 };
  }

  async open(key: string, _options: { contentType: string }): Promise<MediaUpload> {
    const path = this.path(key);
    const part = `${path}.part`;
    try {
      await mkdir(dirname(path), { recursive: true });
      const { handle, size } = await openPart(part);
      let prefix: Hash;
      try {
        prefix = await hashFile(part, size, createHash("sha256"), handle);
      } catch (error) {
        await handle.close();
        throw error;
      }
      if (size > 0)
        this.logger.info(`Resuming ${path} after ${size} bytes kept from an interrupted download`);
      return new LocalUpload(path, handle, size, prefix);
    } catch (error) {
      throw fsError(`open ${part}`, path, error);
    }
  }

  async close(): Promise<void> {}
}

class LocalUpload implements MediaUpload {
  readonly stream: UploadStream;
  private state: "open" | "interrupted" | "committed" | "aborted" = "open";
  private closing: Promise<void> | null = null;

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    readonly offset: number,
    prefix: Hash,
  ) {
    let position = offset;
    this.stream = new UploadStream(
      async (chunk) => {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
          done += bytesWritten;
        }
        position += chunk.length;
      },
      { bytes: offset, hash: prefix },
      async () => {
        if (this.state === "open") this.state = "interrupted";
        await this.closeFile();
      },
    );
  }

  private get part(): string {
    return `${this.path}.part`;
  }

  private closeFile(): Promise<void> {
    this.closing ??= this.handle.close();
    return this.closing;
  }

  async commit(expected: { bytes: number; sha256?: string }): Promise<StoredObject> {
    if (this.state !== "open")
      throw new MediaStorageError(
        `${this.path} cannot be committed: its upload was ${this.state}.`,
        this.path,
      );
    let onDisk: number;
    try {
      await this.stream.drain();
      onDisk = (await this.handle.stat()).size;
    } catch (error) {
      throw fsError(`write ${this.part}`, this.path, error);
    }
    const received = this.stream.received;
    if (
      received.bytes !== expected.bytes ||
      onDisk !== expected.bytes ||
      (expected.sha256 !== undefined && received.sha256 !== expected.sha256)
    ) {
      await this.abort();
      throw new MediaIntegrityError(this.path, expected, { ...received, bytes: onDisk });
    }
    try {
      await this.handle.sync();
      await this.closeFile();
      // The old sidecar goes first: a crash after the rename leaves no sidecar (stat rebuilds it),
      // never one that describes the previous file.
      await rm(`${this.path}.sha256`, { force: true });
      await rename(this.part, this.path);
      await writeSidecar(this.path, received.sha256);
      await syncFolder(dirname(this.path));
    } catch (error) {
      throw fsError(`store ${this.path}`, this.path, error);
    }
    this.state = "committed";
    return { location: this.path, bytes: received.bytes, sha256: received.sha256 };
  }

  async abort(): Promise<void> {
    if (this.state === "committed" || this.state === "aborted") return;
    this.state = "aborted";
    if (!this.stream.destroyed) this.stream.destroy();
    await this.closeFile();
    await rm(this.part, { force: true });
  }
}

/** The `.part` opened for writing where it ends: an existing one kept, else a new one. */
async function openPart(part: string): Promise<{ handle: FileHandle; size: number }> {
  try {
    const handle = await open(part, "r+");
    return { handle, size: (await handle.stat()).size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return { handle: await open(part, "wx"), size: 0 };
  }
}

/** Feeds the file's first `size` bytes to `hash`, 64 KiB at a time. */
async function hashFile(path: string, size: number, hash: Hash, handle?: FileHandle): Promise<Hash> {
  if (size === 0) return hash;
  const input = handle
    ? handle.createReadStream({ start: 0, end: size - 1, autoClose: false })
    : createReadStream(path, { start: 0, end: size - 1 });
  for await (const chunk of input) hash.update(chunk as Buffer);
  return hash;
}

/** The sidecar's hash, or null when it is missing, unreadable or older than the file. */
async function readSidecar(path: string, fileModified: number): Promise<string | null> {
  const sidecar = `${path}.sha256`;
  try {
    const [text, info] = await Promise.all([readFile(sidecar, "utf8"), stat(sidecar)]);
    const hex = text.slice(0, 64);
    return SHA256_HEX.test(hex) && info.mtimeMs >= fileModified ? hex : null;
  } catch {
    return null;
  }
}

async function writeSidecar(path: string, sha256: string): Promise<void> {
  const temporary = `${path}.sha256.part`;
  await writeSynced(temporary, `${sha256}  ${basename(path)}\n`);
  await rename(temporary, `${path}.sha256`);
}

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename in the folder durable (POSIX: fsync the directory). */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and Windows) refuse fsync on a directory; the rename itself is still atomic.
    if (!["EINVAL", "EPERM", "EISDIR", "EBADF"].includes((error as NodeJS.ErrnoException).code ?? ""))
      throw error;
  } finally {
    await handle.close();
  }
}

function fsError(what: string, path: string, error: unknown): MediaStorageError {
  if (error instanceof MediaStorageError) return error;
  const e = error as NodeJS.ErrnoException;
  return new MediaStorageError(`Could not ${what}: ${e?.message ?? String(error)}`, path, { cause: error });
}
