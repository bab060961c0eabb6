import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { STREAMS } from "../../src/streams/registry.js";
import { discoverCatalog } from "../../src/tap/catalog.js";
import { runCommand } from "../helpers/run-cli.js";
import { useSandbox } from "../helpers/sandbox.js";

const dir = mkdtempSync(join(tmpdir(), "tap-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};
const tap = (args: string[], env: Record<string, string> = {}) => runCommand("src/cli/tap.ts", args, { env });

describe("tap-usertesting on the command line", () => {
  it("discovers without credentials, and catalog.json is exactly what it discovers", async () => {
    const run = await tap(["--discover"]);
    expect(run.status).toBe(0);
    const catalog = JSON.parse(run.stdout);
    expect(catalog).toEqual(discoverCatalog());
    expect(JSON.parse(readFileSync("catalog.json", "utf8"))).toEqual(catalog);
    expect(catalog.streams.map((s: { stream: string }) => s.stream)).toEqual(STREAMS.map((s) => s.name));
  });

  it("prints --about as JSON and markdown, and --version", async () => {
    const json = JSON.parse((await tap(["--about"])).stdout);
    expect(json).toMatchObject({
      name: "tap-usertesting",
      capabilities: ["catalog", "discover", "state", "about"],
    });
    expect((await tap(["--about", "--format", "markdown"])).stdout).toContain(
      "| `requests_per_minute` | integer | `10` |",
    );
    expect((await tap(["--version"])).stdout).toMatch(/^tap-usertesting \d+\.\d+\.\d+\n$/);
  });

  it("syncs from a sandbox: only Singer messages on stdout, the summary on stderr", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const config = write("config.json", {
      client_id: sandbox.client.clientId,
      api_url: sandbox.url,
      token_url: sandbox.tokenUrl,
      requests_per_minute: 100000,
    });
    const run = await tap(["--config", config], {
      TAP_USERTESTING_CLIENT_SECRET: sandbox.client.clientSecret,
    });
    expect(run.stderr).toContain("Sync complete");
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    for (const line of lines) expect(["SCHEMA", "RECORD", "STATE"]).toContain(JSON.parse(line).type);
    expect(run.stderr).not.toContain(sandbox.client.clientSecret);
    const state = write("state.json", JSON.parse(lines.at(-1) ?? "{}").value);
    const again = await tap(["--config", config, "--state", state], {
      TAP_USERTESTING_CLIENT_SECRET: sandbox.client.clientSecret,
    });
    expect(again.status).toBe(0);
    expect(
      again.stdout.split("\n").filter((l) => l.includes('"stream":"tasks"') && l.includes('"RECORD"')),
    ).toEqual([]);
  });

  it("stops with one clear message when whatever reads its stdout goes away", async () => {
    const sandbox = await useSandbox({ workspaces: 1, largeWorkspaceTests: 14, largeTestSessions: 0 });
    const config = write("config-epipe.json", {
      ...sandbox.tapSettings(),
      requests_per_minute: 100000,
    });
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/tap.ts", "--config", config]);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
    });
    // Like `| head -n 1`: read a little, then close the pipe.
    child.stdout.once("data", () => child.stdout.destroy());
    const [status] = (await once(child, "close")) as [number];
    expect(status).toBe(1);
    expect(stderr).toContain("tap-usertesting: The output closed while the tap was writing (EPIPE)");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["no --config", [], /--config FILE is required to sync/],
    ["a config without credentials", ["--config", "CFG_EMPTY"], /has no credentials/],
    [
      "a catalog naming an unknown stream",
      ["--config", "CFG_OK", "--catalog", "CAT_BAD"],
      /streams\[0\]: unknown stream "videos"/,
    ],
    [
      "a catalog that is not JSON",
      ["--config", "CFG_OK", "--catalog", "NOT_JSON"],
      /Catalog file .* is not valid JSON/,
    ],
    [
      "a state that is not JSON",
      ["--config", "CFG_OK", "--state", "NOT_JSON"],
      /State file .* is not valid JSON/,
    ],
    [
      "a state of another shape",
      ["--config", "CFG_OK", "--state", "STATE_BAD"],
      /state file .*state-bad.json is not a state this tap wrote: 'bookmarks.sessions.partitions\[0\]' is required \('context'\)/,
    ],
    ["an unknown option", ["--confg", "x"], /Unknown option '--confg'/],
    ["a bad --format", ["--about", "--format", "yaml"], /--format must be json or markdown/],
  ])("refuses %s with one paragraph and exit code 2", async (_case, args, message) => {
    const files: Record<string, string> = {
      CFG_EMPTY: write("empty.json", {}),
      CFG_OK: write("ok.json", { access_token: "t", api_url: "http://127.0.0.1:9" }),
      CAT_BAD: write("cat.json", { streams: [{ tap_stream_id: "videos", metadata: [] }] }),
      NOT_JSON: write("broken.json", "{ nope"),
      STATE_BAD: write("state-bad.json", { bookmarks: { sessions: { partitions: [{ nope: 1 }] } } }),
    };
    const run = await tap(args.map((a) => files[a] ?? a));
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 1 with a clear message when the API refuses the credentials", async () => {
    const sandbox = await useSandbox();
    const config = write("bad-creds.json", {
      client_id: sandbox.client.clientId,
      client_secret: "nope-wrong",
      api_url: sandbox.url,
      token_url: sandbox.tokenUrl,
    });
    const run = await tap(["--config", config]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("The OAuth server refused the client credentials (invalid_client");
    expect(run.stderr).not.toContain("nope-wrong");
  });
});
