import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { BigQuery } from "@google-cloud/bigquery";
import { afterEach, describe, expect, it } from "vitest";
import { fixedTokenAuth, useTempDir } from "./helpers.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts the CLI and resolves with its first stdout line and what it wrote to stderr so far. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bigquery-local.ts", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      stdout += String(chunk);
      const newline = stdout.indexOf("\n");
      if (newline >= 0) resolve(stdout.slice(0, newline));
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before printing its URL: ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}

describe("bigquery-local CLI (fake-backed: local BigQuery-protocol server)", () => {
  it("prints its URL alone on stdout's first line, says on stderr it is a DuckDB stand-in, and keeps a database file", async () => {
    const database = join(useTempDir(), "bq.duckdb");
    const { child, url, stderr } = await startCli(["--port", "0", "--quiet", "--database", database]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect.poll(stderr).toMatch(/stand-in .* DuckDB inside\. It is NOT BigQuery/);

    const bigquery = new BigQuery({ apiEndpoint: url, projectId: "p", authClient: fixedTokenAuth() });
    await bigquery.createDataset("d");
    const [rows] = await bigquery.query("SELECT 42 AS answer");
    expect(rows).toEqual([{ answer: 42 }]);

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(143);

    // The dataset is a schema in the DuckDB file, so a new server on the same file still has it.
    const again = await startCli(["--quiet", "--database", database]);
    const reopened = new BigQuery({ apiEndpoint: again.url, projectId: "p", authClient: fixedTokenAuth() });
    expect(await reopened.dataset("d").exists()).toEqual([true]);
    // SIGTERM, not the afterEach SIGKILL: the server removes its work folder on the way out.
    again.child.kill("SIGTERM");
    await once(again.child, "exit");
  });

  it("refuses a bad flag in one paragraph with exit 2", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/bigquery-local.ts", "--port", "x"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toMatch(/--port must be a whole number from 0 to 65535; got 'x'/);
  });
});
