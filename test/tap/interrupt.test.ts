import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("Ctrl-C", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "%s stops a sync with one line on what was kept, exit %i, and a state file that is whole or absent",
    async (signal, code) => {
      // At the real 10 a minute, the sync is still running when the signal comes.
      const sandbox = await useSandbox({ requestsPerMinute: 10 });
      const dir = mkdtempSync(join(tmpdir(), "tap-interrupt-"));
      dirs.push(dir);
      const config = join(dir, "config.json");
      writeFileSync(config, JSON.stringify({ ...sandbox.tapSettings(), requests_per_minute: 10 }));
      const target = join(dir, "target.json");
      writeFileSync(target, JSON.stringify({ database: join(dir, "u.duckdb") }));
      const stateFile = join(dir, "state.json");
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/tap.ts",
          "sync",
          "--config",
          config,
          "--target-config",
          target,
          "--state-file",
          stateFile,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
      });
      // Wait until the run has made Results API calls, then interrupt it.
      const calls = () =>
        (sandbox.counts.get("sessionResults") ?? 0) + (sandbox.counts.get("sessionDetail") ?? 0);
      for (let i = 0; i < 200 && calls() < 5; i++) await new Promise((r) => setTimeout(r, 50));
      expect(calls()).toBeGreaterThanOrEqual(5);
      child.kill(signal);
      const [exitCode] = (await once(child, "close")) as [number | null];
      expect(exitCode).toBe(code);
      expect(stderr).toContain(`tap-usertesting: interrupted (${signal}).`);
      expect(stderr).toContain("Run the same command again to resume");
      expect(stderr).not.toContain("internal error");
      if (existsSync(stateFile)) expect(() => JSON.parse(readFileSync(stateFile, "utf8"))).not.toThrow();
    },
  );

  it("stops target-duckdb waiting on its input with the same line and exit 130", async () => {
    const dir = mkdtempSync(join(tmpdir(), "target-interrupt-"));
    dirs.push(dir);
    const config = join(dir, "target.json");
    writeFileSync(config, JSON.stringify({ database: join(dir, "u.duckdb") }));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/target.ts", "--target", "duckdb", "--config", config],
      {
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.write(
      `${JSON.stringify({ type: "SCHEMA", stream: "s", schema: { type: "object", properties: { id: { type: "integer" } } }, key_properties: ["id"] })}\n`,
    );
    for (let i = 0; i < 200 && !stderr.includes("Loading into"); i++)
      await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const [exitCode] = (await once(child, "close")) as [number | null];
    expect(exitCode).toBe(130);
    expect(stderr).toContain("target-duckdb: interrupted (SIGINT).");
    expect(stderr).toContain("the last one is the state to resume from");
  });
});
