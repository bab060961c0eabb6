import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/index.js";
import { runCommand } from "../helpers/run-cli.js";
import { useSandbox } from "../helpers/sandbox.js";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder with a tap config for the sandbox and a target config for `database`. */
function workspace(sandbox: Sandbox, database?: string) {
  const dir = mkdtempSync(join(tmpdir(), "sync-safety-"));
  folders.push(dir);
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ ...sandbox.tapSettings(), requests_per_minute: 100_000 }));
  const target = join(dir, "target.json");
  writeFileSync(target, JSON.stringify({ database: database ?? join(dir, "usertesting.duckdb") }));
  return { dir, config, target, stateFile: join(dir, "state.json") };
}

const sync = (args: string[]) => runCommand("src/cli/tap.ts", ["sync", ...args], {});
const apiCalls = (sandbox: Sandbox) => [...sandbox.counts.values()].reduce((a, b) => a + b, 0);
const small = { workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 };

describe("tap-usertesting sync refuses, before any API call, what would lose data or state", () => {
  it("refuses a `database` that is an existing JSON file, writing no state and leaving the file as it was", async () => {
    const sandbox = await useSandbox(small);
    const { dir, config, target, stateFile } = workspace(sandbox);
    const database = join(dir, "existing.json");
    writeFileSync(database, "[]\n");
    writeFileSync(target, JSON.stringify({ database }));
    const run = await sync(["--config", config, "--target-config", target, "--state-file", stateFile]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      `tap-usertesting: The target-duckdb setting 'database' is ${database}, which is a text file starting with "[]", not a DuckDB database file. DuckDB would open it as an in-memory database (or not at all), and nothing loaded would be kept. Set 'database' to a DuckDB database file (a path that does not exist yet is created as one, whatever its extension), or to ':memory:' for a throwaway database.`,
    ]);
    expect(apiCalls(sandbox)).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
    expect(readFileSync(database, "utf8")).toBe("[]\n");
  });

  it("refuses a --state-file whose folder does not exist, naming the path and why", async () => {
    const sandbox = await useSandbox(small);
    const { dir, config, target } = workspace(sandbox);
    const stateFile = join(dir, "no-such-folder", "state.json");
    const run = await sync(["--config", config, "--target-config", target, "--state-file", stateFile]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      `tap-usertesting: State file ${stateFile} cannot be written: its folder ${join(dir, "no-such-folder")} does not exist. Nothing was fetched. Choose a --state-file in a folder that exists and that you can write to (each state is written to a temporary file beside it, then renamed over it).`,
    ]);
    expect(apiCalls(sandbox)).toBe(0);
  });

  it("refuses an empty --state-file instead of starting a full sync", async () => {
    const sandbox = await useSandbox(small);
    const { config, target, stateFile } = workspace(sandbox);
    writeFileSync(stateFile, "");
    const run = await sync(["--config", config, "--target-config", target, "--state-file", stateFile]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      `tap-usertesting: State file ${stateFile} is empty (0 bytes): it holds no state`,
    );
    expect(run.stderr).toContain(
      "to start fresh on purpose, delete the file or run with --full-refresh for a full sync.",
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(apiCalls(sandbox)).toBe(0);
    expect(readFileSync(stateFile, "utf8")).toBe("");
  });

  it("has the tap refuse an empty --state alike", async () => {
    const sandbox = await useSandbox(small);
    const { config, stateFile } = workspace(sandbox);
    writeFileSync(stateFile, "\n");
    const run = await runCommand("src/cli/tap.ts", ["--config", config, "--state", stateFile], {});
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`State file ${stateFile} is empty (only whitespace)`);
    expect(run.stderr).toContain("to start fresh on purpose, run without --state for a full sync.");
    expect(apiCalls(sandbox)).toBe(0);
  });
});

describe("tap-usertesting sync --full-refresh", () => {
  it("says the state file is ignored, not that there is none, and rewrites it", async () => {
    const sandbox = await useSandbox(small);
    const { config, target, stateFile } = workspace(sandbox);
    writeFileSync(stateFile, '{"bookmarks": {}}\n');
    const run = await sync([
      "--config",
      config,
      "--target-config",
      target,
      "--state-file",
      stateFile,
      "--full-refresh",
    ]);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain(
      `state file ${stateFile} ignored (--full-refresh): full sync; it is rewritten as the run goes`,
    );
    expect(run.stderr).not.toContain("none yet");
    expect(JSON.parse(readFileSync(stateFile, "utf8")).bookmarks.sessions.partitions.length).toBeGreaterThan(
      5,
    );
  });
});
