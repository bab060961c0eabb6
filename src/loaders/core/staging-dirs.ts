import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Staging folders carry the pid of the loader that made them, so that the next run can tell a
 * folder left by a killed loader (its process is gone) from one in use, and remove it.
 */
export const stagingDirPrefix = (loader: string): string => `${loader}-${process.pid}-`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes `<loader>-<pid>-*` folders in `dir` whose process is gone; returns their paths. */
export function removeStaleStagingDirs(dir: string, loader: string): string[] {
  const pattern = new RegExp(`^${loader.replace(/[^a-z0-9-]/gi, "")}-(\\d+)-`);
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const pid = Number(pattern.exec(entry)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    const path = join(dir, entry);
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}
