import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Caches of the tools that run the tests (tsx compiles into one), not the tests' own files. */
const TOOL_CACHES = /^tsx-/;

/**
 * Every test must remove what it makes in the temporary folder. The run gets a temporary folder
 * of its own (workers and the commands they start inherit TMPDIR); at the end, anything left
 * in it but tool caches fails the run, naming what was left.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), "tap-usertesting-tests-"));
  process.env.TMPDIR = dir;
  return () => {
    const left = readdirSync(dir).filter((entry) => !TOOL_CACHES.test(entry));
    rmSync(dir, { recursive: true, force: true });
    if (left.length === 0) return;
    // vitest reports an error thrown here but still exits 0: set the exit code ourselves.
    process.stderr.write(
      `\nFAIL: the tests left ${left.length} entries in the temporary folder (each test must remove what it makes): ${left.slice(0, 10).join(", ")}${left.length > 10 ? ", …" : ""}\n`,
    );
    process.exitCode = 1;
  };
}
