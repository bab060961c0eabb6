import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import snowflake, { type ConnectionOptions } from "snowflake-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { useTempDir } from "./helpers.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts the CLI and resolves with its first stdout line and what it wrote to stderr so far. */
async function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/snowflake-local.ts", ...args], {
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

describe("snowflake-local CLI (fake-backed: local Snowflake-protocol server)", () => {
  it("prints its URL alone on stdout's first line, says on stderr it is a DuckDB stand-in, and takes key-pair users", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const keyFile = join(useTempDir(), "loader.pub");
    writeFileSync(keyFile, publicKey);
    const { child, url, stderr } = await startCli(["--port", "0", "--quiet", "--user", `LOADER=${keyFile}`]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect.poll(stderr).toMatch(/stand-in .* DuckDB inside\. It is NOT Snowflake/);

    const connection = snowflake.createConnection({
      accessUrl: url,
      account: "LOCAL",
      username: "loader",
      authenticator: "SNOWFLAKE_JWT",
      privateKey,
    } as ConnectionOptions);
    await new Promise<void>((resolve, reject) =>
      connection.connectAsync((error) => (error ? reject(error) : resolve())).catch(reject),
    );
    const rows = await new Promise<unknown[]>((resolve, reject) =>
      connection.execute({
        sqlText: "select 42 as answer",
        complete: (error, _s, result) => (error ? reject(error) : resolve(result ?? [])),
      }),
    );
    expect(rows).toEqual([{ ANSWER: 42 }]);
    await new Promise<void>((resolve) => connection.destroy(() => resolve()));

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(143);
  });

  it("refuses a bad flag in one paragraph with exit 2", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/snowflake-local.ts", "--user", "nokey"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(child);
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr).toMatch(/--user must be NAME=PUBLIC_KEY_FILE; got 'nokey'/);
  });
});
