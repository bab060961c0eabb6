import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
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
