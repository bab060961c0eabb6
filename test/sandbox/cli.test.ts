import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

const children: ChildProcess[] = [];
/** Process groups of commands run through npm (npm, its shell, tsx and node): killed whole. */
const groups: number[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const pid of groups.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function startCli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/sandbox.ts", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return { child, stderr: () => stderr };
}

/** `npm run -s sandbox -- ARGS`, exactly as the README shows it, in a process group of its own. */
function startWithNpm(args: string[]) {
  const child = spawn("npm", ["run", "-s", "sandbox", "--", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  groups.push(child.pid as number);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return { child, stderr: () => stderr };
}

async function firstLine(child: ChildProcess): Promise<string> {
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [line] = (await once(lines, "line")) as [string];
  lines.close();
  return line;
}

describe("npm run sandbox", () => {
  it("prints its base URL alone on stdout, serves the API, advances a day on SIGUSR2 and stops on SIGTERM", async () => {
    const { child, stderr } = startCli(["--port", "0", "--rate-limit", "0", "--quiet", "--seed", "9"]);
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const token = await fetch(`${url}/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret&scope=studies%3Aread",
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const workspaces = await fetch(`${url}/usertesting/api/v1/workspaces`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(workspaces.status).toBe(200);
    expect(stderr()).toContain("seed 9, epoch 0");
    expect(stderr()).toMatch(/api shapes +default\n/);
    expect(stderr()).not.toContain("sandbox-client-secret");

    child.kill("SIGUSR2");
    await expect.poll(() => stderr(), { timeout: 5000 }).toContain("advanced to epoch 1");
    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("--advance-every SECONDS advances the data one day every SECONDS", async () => {
    const { child, stderr } = startCli(["--port", "0", "--quiet", "--advance-every", "0.2"]);
    await firstLine(child);
    await expect.poll(() => stderr(), { timeout: 5000 }).toContain("  advances       one day every 0.2 s\n");
    await expect
      .poll(() => stderr(), { timeout: 5000 })
      .toMatch(/advanced to epoch 1: \d+ sessions\n.*advanced to epoch 2: /s);
  });

  it("serves the profile --api-shapes names, and says which on stderr", async () => {
    const { child, stderr } = startCli(["--port", "0", "--quiet", "--api-shapes", "guides,workspaceId=true"]);
    const url = await firstLine(child);
    const token = await fetch(`${url}/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=sandbox-client-id&client_secret=sandbox-client-secret&scope=studies%3Aread",
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const workspaces = await fetch(`${url}/usertesting/api/v1/workspaces`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    const [first] = (await workspaces.json()) as Array<Record<string, string>>;
    expect(Object.keys(first ?? {})).toEqual(["uuid", "name", "id"]);
    await expect.poll(() => stderr(), { timeout: 5000 }).toContain("api shapes     guides,workspaceId=true");
  });

  it.each([
    [["--rate-limit", "ten"], "--rate-limit must be a whole number"],
    [["--fault-rate", "2"], "--fault-rate must be a number from 0 to 1"],
    [["--bogus"], "Unknown option '--bogus'"],
    [["--advance-every", "0"], "--advance-every must be a number from 0.01 to 86400; got '0'."],
    [
      ["--api-shapes", "swagger"],
      "--api-shapes: unknown API shape profile 'swagger': expected one of guides, openapi, default",
    ],
    [
      ["--api-shapes", "openapi,retryAfter=maybe"],
      "'retryAfter' cannot be 'maybe': expected one of true, false",
    ],
  ])("refuses %j with one clear line and exit code 2", async (args, message) => {
    const { child, stderr } = startCli(args);
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(stderr()).toContain(message);
    expect(stderr()).not.toMatch(/\n\s+at /);
  });
});

describe("npm run -s sandbox", () => {
  it("prints its base URL alone on stdout's first line (-s keeps npm's banner off stdout)", async () => {
    const { child } = startWithNpm(["--port", "0", "--rate-limit", "0", "--quiet"]);
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/usertesting/api/v1/workspaces`)).status).toBe(401);
  });

  it("prints the sandbox's own PID on stderr, and kill -USR2 PID advances a day though npm started it", async () => {
    const { child, stderr } = startWithNpm(["--port", "0", "--rate-limit", "0", "--quiet"]);
    await firstLine(child);
    await expect
      .poll(() => stderr(), { timeout: 5000 })
      .toMatch(/ {2}pid {12}\d+ \(kill -USR2 \d+ advances one day\)\n/);
    const [, pid, again] = / {2}pid {12}(\d+) \(kill -USR2 (\d+)/.exec(stderr()) ?? [];
    expect(again).toBe(pid);
    expect(Number(pid)).not.toBe(child.pid);
    process.kill(Number(pid), "SIGUSR2");
    await expect.poll(() => stderr(), { timeout: 5000 }).toContain("advanced to epoch 1");
  });
});
