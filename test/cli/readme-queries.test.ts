import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killAll, REPO, type Run, runCli, runShell, standInBin } from "./helpers.js";

afterEach(killAll);

/**
 * The command lines in the README's shell code blocks (```sh, or a plain block whose lines start
 * with a "$ " prompt, which is dropped); usage synopses in plain blocks are not commands.
 */
const commandLines = [
  ...readFileSync(join(REPO, "README.md"), "utf8").matchAll(/^```([^\n]*)\n([\s\S]*?)^```/gm),
]
  .flatMap(([, language, block]) =>
    (block as string).split("\n").filter((line) => language === "sh" || line.startsWith("$ ")),
  )
  .map((line) => line.replace(/^\$ /, "").trim());
const queryCommands = commandLines.filter((line) => /^(npx )?tap-usertesting query /.test(line));
const duckdbCommands = commandLines.filter((line) => /^duckdb /.test(line));

const dir = mkdtempSync(join(tmpdir(), "tap-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// The README's quick start: `npm run demo` leaves ./usertesting.duckdb, which its queries read.
const synced = join(dir, "synced");
let bin: string;
beforeAll(async () => {
  mkdirSync(synced);
  bin = standInBin(dir);
  const demo = await runCli("demo.ts", ["--requests-per-minute", "100000"], { cwd: synced });
  if (demo.status !== 0) throw new Error(`npm run demo failed (${demo.status}): ${demo.stderr}`);
}, 120_000);

const outcome = (line: string, run: Run) => ({ line, status: run.status, stderr: run.stderr });
const success = (line: string) => ({ line, status: 0, stderr: "" });

describe("the README's queries", () => {
  it("show how to query the database with tap-usertesting query", () => {
    expect(queryCommands.length).toBeGreaterThanOrEqual(1);
  });

  it("work exactly as printed after npm run demo, with tap-usertesting query and the DuckDB CLI", async () => {
    const queries = await Promise.all(queryCommands.map((line) => runShell(line, synced, bin)));
    expect(queryCommands.map((line, i) => outcome(line, queries[i] as Run))).toEqual(
      queryCommands.map(success),
    );
    // One at a time, after the read-only queries: the DuckDB CLI opens the file for writing.
    const duckdb: ReturnType<typeof outcome>[] = [];
    for (const line of duckdbCommands) duckdb.push(outcome(line, await runShell(line, synced, bin)));
    expect(duckdb).toEqual(duckdbCommands.map(success));
  });
});
