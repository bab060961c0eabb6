import { isUtf8 } from "node:buffer";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { ConfigError } from "../../errors.js";

/**
 * A DuckDB database file starts with a checksum (8 bytes), then the magic bytes "DUCK"
 * (DuckDB's storage format, `MainHeader::MAGIC_BYTES` at offset 8; checked against files
 * made by @duckdb/node-api 1.5).
 */
const MAGIC = Buffer.from("DUCK", "latin1");
const MAGIC_OFFSET = 8;

/** The memory-only database name DuckDB knows. */
export const IN_MEMORY = ":memory:";

/** Other formats' signatures, so a refusal can say what the file is. */
const SIGNATURES: ReadonlyArray<[prefix: Buffer, what: string]> = [
  [Buffer.from("SQLite format 3\0", "latin1"), "a SQLite database"],
  [Buffer.from("PAR1", "latin1"), "a Parquet file"],
  [Buffer.from([0x1f, 0x8b]), "a gzip-compressed file"],
  [Buffer.from("PK\x03\x04", "latin1"), "a ZIP archive (or an Excel workbook)"],
];

/** The first bytes of a file, at most `length`. */
function head(path: string, length: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text, allowing a character cut at the end of the bytes read. */
function isUtf8Prefix(bytes: Buffer): boolean {
  for (let cut = 0; cut < 4 && cut < bytes.length; cut++)
    if (isUtf8(bytes.subarray(0, bytes.length - cut))) return true;
  return false;
}

export function isDuckDbHeader(bytes: Buffer): boolean {
  return bytes.subarray(MAGIC_OFFSET, MAGIC_OFFSET + MAGIC.length).equals(MAGIC);
}

/**
 * What is at `path`, when it is something other than a DuckDB database file: "missing" when
 * nothing is there (DuckDB creates the file), null for a DuckDB file, else a description for
 * a message ("a directory", "a text file starting with \"[]\"").
 *
 * Why it matters: DuckDB 1.5 opens an existing file it recognises by its extension (.json,
 * .csv, .parquet) as an in-memory database with a view on the file, so a load into it
 * "succeeds" and is gone when the process ends.
 */
export function describeDatabasePath(path: string): "missing" | string | null {
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return "a directory";
    if (!stat.isFile()) return "not a regular file";
    size = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "missing";
    return `a path that cannot be checked (${code ?? "error"})`;
  }
  if (size === 0) return "an empty file (0 bytes)";
  let bytes: Buffer;
  try {
    bytes = head(path, 4096);
  } catch (error) {
    return `a file that cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`;
  }
  if (isDuckDbHeader(bytes)) return null;
  for (const [prefix, what] of SIGNATURES) if (bytes.subarray(0, prefix.length).equals(prefix)) return what;
  if (!bytes.includes(0) && isUtf8Prefix(bytes)) {
    const start = bytes.toString("utf8").trim().slice(0, 40);
    return `a text file starting with ${JSON.stringify(start)}`;
  }
  return `a file of ${size} bytes in another format`;
}

/**
 * Refuses a `database` that names something other than a DuckDB file (":memory:" and a path
 * with nothing there yet are fine), before anything is read or fetched.
 */
export function assertDatabasePath(path: string): void {
  if (path === IN_MEMORY) return;
  const what = describeDatabasePath(path);
  if (what !== null && what !== "missing") throw new ConfigError(notADatabaseMessage(path, what));
}

/** The one paragraph that refuses a `database` setting naming something else than a DuckDB file. */
export function notADatabaseMessage(path: string, what: string): string {
  return `The target-duckdb setting 'database' is ${path}, which is ${what}, not a DuckDB database file. DuckDB would open it as an in-memory database (or not at all), and nothing loaded would be kept. Set 'database' to a DuckDB database file (a path that does not exist yet is created as one, whatever its extension), or to ':memory:' for a throwaway database.`;
}
