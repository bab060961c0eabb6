import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, type Run, runCli, runShell, standInBin } from "./helpers.js";

afterEach(killAll);

const dir = mkdtempSync(join(tmpdir(), "tap-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fresh = 0;
/** An empty working folder for one run. */
const freshDir = () => {
  const path = join(dir, `run-${++fresh}`);
  mkdirSync(path);
  return path;
};

// One full demo run, as `npm run demo` does it (in the folder that gets ./usertesting.duckdb),
// with the rate limit raised so that it takes seconds.
const synced = join(dir, "synced");
let demo: Run;
let bin: string;
beforeAll(async () => {
  mkdirSync(synced);
  bin = standInBin(dir);
  demo = await runCli("demo.ts", ["--requests-per-minute", "100000"], { cwd: synced });
}, 120_000);

/** Each example the demo printed: its title, its command line, and the table under it. */
const examples = () =>
  [...demo.stdout.matchAll(/^-- (.+)\n(npx tap-usertesting query .+)\n((?:.+\n)*?\(\d+ rows?\)\n)/gm)].map(
    ([, title, command, table]) => ({ title, command: command as string, table }),
  );

describe("npm run demo", () => {
  it("syncs the sandbox into ./usertesting.duckdb and stops the sandbox", () => {
    expect(demo.stderr).toContain("Sync complete");
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain("the sandbox is stopped.");
    expect(existsSync(join(synced, "usertesting.duckdb"))).toBe(true);
  });

  it("prints every example query as a command that prints, run as printed, the table shown under it", async () => {
    const printed = examples();
    expect(printed.length).toBeGreaterThanOrEqual(6);
    expect(printed.length).toBe(
      demo.stdout.split("\n").filter((l) => l.startsWith("npx tap-usertesting")).length,
    );
    const runs = await Promise.all(printed.map(({ command }) => runShell(command, synced, bin)));
    expect(runs.map((run, i) => ({ title: printed[i]?.title, ...run }))).toEqual(
      printed.map(({ title, table }) => ({ title, status: 0, signal: null, stdout: table, stderr: "" })),
    );
  });

  it("labels classic tests as classic and participants without a country as not given", () => {
    const table = (title: string) => examples().find((e) => e.title === title)?.table ?? "";
    expect(table("Tests by API and type")).toMatch(
      /^classic +\(classic: not in the Results API\) +\d+ +NULL$/m,
    );
    expect(table("Tests by API and type")).not.toMatch(/^classic .*unknown/m);
    expect(table("Participants by country")).toMatch(/^\(not given\) +\d+$/m);
    expect(table("Participants by country")).not.toMatch(/^(NULL)? +\d+$/m);
  });

  it("prints a DuckDB CLI command and a USE statement that work as printed", async () => {
    const line = demo.stdout.split("\n").find((l) => l.startsWith("duckdb "));
    expect(line).toBe(
      'duckdb usertesting.duckdb "SELECT count(*) AS tests FROM usertesting.usertesting.tests"',
    );
    const counted = await runShell(line as string, synced, bin);
    expect(counted.stderr).toBe("");
    expect(counted.stdout).toContain("79");
    const use = /run (USE \S+;) first/.exec(demo.stdout)?.[1];
    expect(use).toBe("USE usertesting.usertesting;");
    const plain = await runShell(
      `duckdb usertesting.duckdb "${use} SELECT count(*) AS tests FROM tests"`,
      synced,
      bin,
    );
    expect(plain.stderr).toBe("");
    expect(plain.stdout).toContain("79");
  });

  it.each([
    [
      ["--requests-per-minute", "ten"],
      "--requests-per-minute must be a whole number from 1 to 100000, not 'ten'.",
    ],
    [
      ["--requests-per-minute", "0"],
      "--requests-per-minute must be a whole number from 1 to 100000, not '0'.",
    ],
    [["--requests-per-minute", "1.5"], "not '1.5'"],
    [["--bogus"], "Unknown option '--bogus'."],
    [["--database", "no-such-folder/x.duckdb"], "the folder"],
    [["--database", "notes.txt"], "notes.txt"],
    [["--target", "oracle"], "--target must be duckdb, snowflake or bigquery, not 'oracle'."],
  ])(
    "refuses %j with a one-paragraph usage error and exit code 2, before starting anything",
    async (args, message) => {
      const cwd = freshDir();
      writeFileSync(join(cwd, "notes.txt"), "not a database\n");
      const run = await runCli("demo.ts", args, { cwd });
      expect(run.stderr).toContain(message);
      expect(run.stderr).toMatch(/^demo: [^\n]+\n$/);
      expect(run.stderr).not.toContain("internal error");
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(existsSync(join(cwd, "usertesting.duckdb"))).toBe(false);
    },
  );

  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("on %s stops the sandbox it started and exits %i", async (signal, code) => {
    let child: ChildProcess | undefined;
    let stdout = "";
    const done = runCli("demo.ts", ["--requests-per-minute", "60"], {
      cwd: freshDir(),
      started: (c) => {
        child = c;
        c.stdout?.on("data", (chunk: string) => {
          stdout += chunk;
        });
      },
    });
    await expect.poll(() => stdout, { timeout: 15_000 }).toContain("Syncing every stream");
    const url = /serving on (http:\/\/\S+) /.exec(stdout)?.[1] as string;
    expect((await fetch(`${url}/usertesting/api/v1/workspaces`)).status).toBe(401);
    child?.kill(signal);
    const run = await done;
    expect(run.stderr).toContain(`demo: interrupted (${signal}); the sandbox is stopped.`);
    expect({ status: run.status, signal: run.signal }).toEqual({ status: code, signal: null });
    await expect(fetch(url)).rejects.toThrow();
  });

  it("stops the sandbox and exits when the sync fails (here: another process holds the database)", async () => {
    const cwd = freshDir();
    const instance = await DuckDBInstance.create(join(cwd, "usertesting.duckdb"));
    const connection = await instance.connect();
    try {
      const run = await runCli("demo.ts", ["--requests-per-minute", "100000"], { cwd });
      expect(run.stderr).toMatch(/^demo: .*Could not set lock on file/m);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain("serving on");
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
