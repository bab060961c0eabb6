import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname, resolve } from "node:path";
import { ConfigError, TapError } from "../errors.js";

/** Writing the state file failed during a run: the file keeps the last state written. */
export class StateFileError extends TapError {
  readonly code = "STATE_FILE_UNWRITABLE";
}

/**
 * Reads a state file. A missing file means "no state yet" (the sync's first run), unless
 * `missing` is "error" (the tap's --state names a file that must exist). An empty file is
 * refused like truncated JSON: it is what a full disk or a failed `> state.json` leaves, and
 * reading it as "no state" would silently start a full sync of hours. `hint` says how to
 * start fresh on purpose.
 */
export function readStateFile(
  path: string,
  options: { missing?: "none" | "error"; hint?: string } = {},
): unknown {
  const hint = options.hint ?? "delete the file or run with --full-refresh for a full sync";
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && options.missing !== "error") return undefined;
    throw new ConfigError(`State file ${path} cannot be read (${code ?? "error"}).`);
  }
  if (text.trim() === "") {
    throw new ConfigError(
      `State file ${path} is empty (${text.length === 0 ? "0 bytes" : "only whitespace"}): it holds no state, and reading it as none would start a full sync of everything. A run that failed while the file was written (a full disk, a \`> state.json\` redirect of a pipeline that failed) leaves one. Restore the state if you have it, or, to start fresh on purpose, ${hint}.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ConfigError(
      `State file ${path} is not valid JSON: ${(error as Error).message}. Fix it, or ${hint}.`,
    );
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing more can be done about a leftover temporary file; the real failure is reported.
  }
}

/** The temporary file beside the state file that each write goes through. */
function temporaryPathOf(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Why `path` cannot be written as a state file, or null when it can. */
function unwritableReason(path: string): string | null {
  const folder = dirname(resolve(path));
  try {
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return `its folder ${folder} does not exist`;
    if (code === "ENOTDIR") return `${folder} is not a folder`;
    return `its folder ${folder} cannot be read (${code ?? "error"})`;
  }
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return "it is a folder, not a file";
    if (!stat.isFile()) return "it is not a regular file";
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") return `the file is read-only (${code})`;
    if (code !== "ENOENT") return `the file cannot be checked (${code ?? "error"})`;
  }
  // Each state is written to a temporary file beside it, then renamed: make and remove one.
  const probe = temporaryPathOf(path);
  try {
    closeSync(openSync(probe, "w"));
    rmSync(probe, { force: true });
  } catch (error) {
    return `its folder ${folder} is not writable (${(error as NodeJS.ErrnoException).code ?? "error"})`;
  }
  return null;
}

/**
 * Refuses, before anything is fetched, a state file the run could not write: otherwise the
 * failure would surface only after hours of syncing, with nothing kept to resume from.
 */
export function assertStateFileWritable(path: string): void {
  const reason = unwritableReason(path);
  if (reason === null) return;
  throw new ConfigError(
    `State file ${path} cannot be written: ${reason}. Nothing was fetched. Choose a --state-file in a folder that exists and that you can write to (each state is written to a temporary file beside it, then renamed over it).`,
  );
}

/**
 * Replaces the state file atomically: write a temporary file beside it, flush it to disk,
 * rename over the old one. A crash at any moment leaves either the old state or the new one;
 * a failure is a StateFileError, and the file keeps the last state written.
 */
export function writeStateFile(path: string, state: unknown): void {
  const temporary = temporaryPathOf(path);
  try {
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    removeQuietly(temporary);
    const { code, message } = error as NodeJS.ErrnoException;
    throw new StateFileError(
      `State file ${path} could not be written (${code ?? message}). The rows loaded so far are committed, and the file keeps the state written before this one, if any; fix the cause (room on the disk, the folder and its permissions) and run the same command again: it resumes from that state.`,
      message,
    );
  }
}
