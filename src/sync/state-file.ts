import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { ConfigError } from "../errors.js";

/**
 * Reads a state file. An empty file means "no state yet"; a missing one too, unless
 * `missing` is "error" (the tap's --state names a file that must exist).
 */
export function readStateFile(
  path: string,
  options: { missing?: "none" | "error"; hint?: string } = {},
): unknown {
  const hint = options.hint ?? "run with --full-refresh";
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && options.missing !== "error") return undefined;
    throw new ConfigError(`State file ${path} cannot be read (${code ?? "error"}).`);
  }
  if (text.trim() === "") return undefined;
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
