import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { ConfigError } from "../errors.js";

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

/**
 * Replaces the state file atomically: write a temporary file beside it, flush it to disk,
 * rename over the old one. A crash at any moment leaves either the old state or the new one.
 */
export function writeStateFile(path: string, state: unknown): void {
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, "w");
  try {
    writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}
