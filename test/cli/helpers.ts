import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The repository's root, so that commands can run from a temporary folder. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** tsx's loader by absolute URL: `--import tsx` would resolve it from the working folder. */
const TSX = pathToFileURL(join(REPO, "node_modules/tsx/dist/loader.mjs")).href;

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Children the running spec started; `killAll` in afterEach stops those still running. */
const running = new Set<ChildProcess>();
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

/** Spawns a command, collecting its output; `started` sees the child before it ends. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; started?: (child: ChildProcess) => void } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    child.on("close", (status, signal) => {
      running.delete(child);
      resolve({ status, signal, stdout, stderr });
    });
    options.started?.(child);
  });
}

/** One of src/cli's entry points, run from `cwd` as the built binary would be. */
export function runCli(
  script: string,
  args: string[],
  options: Parameters<typeof run>[2] = {},
): Promise<Run> {
  return run(process.execPath, ["--import", TSX, join(REPO, "src/cli", script), ...args], options);
}

/**
 * A folder of stand-ins for the commands the README and the demo print, to put first on PATH:
 * `tap-usertesting ...` and `npx tap-usertesting ...` run src/cli/tap.ts (not a possibly stale
 * dist/), and `duckdb FILE SQL` runs test/cli/duckdb-cli-stand-in.ts unless the DuckDB CLI itself
 * is installed.
 */
export function standInBin(dir: string): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  const node = `"${process.execPath}" --import "${TSX}"`;
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  const tap = `exec ${node} "${join(REPO, "src/cli/tap.ts")}" "$@"`;
  script("tap-usertesting", tap);
  script(
    "npx",
    `[ "$1" = tap-usertesting ] || { echo "npx stand-in: only tap-usertesting" >&2; exit 127; }\nshift\n${tap}`,
  );
  if (spawnSync("sh", ["-c", "command -v duckdb"]).status !== 0)
    script("duckdb", `exec ${node} "${join(REPO, "test/cli/duckdb-cli-stand-in.ts")}" "$@"`);
  return bin;
}

/** A command line run by sh exactly as printed, with the stand-ins first on PATH. */
export function runShell(line: string, cwd: string, bin: string): Promise<Run> {
  return run("sh", ["-c", line], { cwd, env: { PATH: `${bin}:${process.env.PATH ?? ""}` } });
}
