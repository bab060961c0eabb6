import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { FaultInjector } from "../../src/sandbox/faults.js";
import { apiGet, useSandbox } from "../helpers/sandbox.js";

const WORKSPACES = "/usertesting/api/v1/workspaces";

/** A raw GET that reports how the connection ended instead of throwing. */
function rawGet(
  url: string,
  token: string,
  timeoutMs = 5000,
): Promise<{ status?: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Authorization: `Bearer ${token}` }, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
      res.on("error", (error) =>
        resolve({
          status: res.statusCode,
          body,
          error: (error as NodeJS.ErrnoException).code ?? error.message,
        }),
      );
      res.on("aborted", () => resolve({ status: res.statusCode, body, error: "aborted" }));
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ body: "", error: "timeout" });
    });
    req.on("error", (error) =>
      resolve({ body: "", error: (error as NodeJS.ErrnoException).code ?? error.message }),
    );
    req.end();
  });
}

describe("fault injection", () => {
  it.each([
    [500, /^application\/json/, '"code":"INTERNAL_SERVER_ERROR"'],
    [502, /^text\/html/, "502 Bad Gateway"],
    [503, /^application\/json/, '"code":"SERVICE_UNAVAILABLE"'],
  ])("answers a scripted %i as a gateway would", async (status, contentType, text) => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "status", status: status as 500 | 502 | 503 });
    const token = sandbox.issueToken();
    const failed = await apiGet(sandbox, WORKSPACES, token);
    expect(failed.status).toBe(status);
    expect(failed.headers.get("content-type")).toMatch(contentType);
    expect(await failed.text()).toContain(text);
    expect((await apiGet(sandbox, WORKSPACES, token)).status).toBe(200);
  });

  it("can send Retry-After with a 503", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "status", status: 503, retryAfterSeconds: 7 });
    const response = await apiGet(sandbox, WORKSPACES, sandbox.issueToken());
    expect(response.headers.get("retry-after")).toBe("7");
  });

  it("drops the connection before the response", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "drop" });
    const result = await rawGet(`${sandbox.url}${WORKSPACES}`, sandbox.issueToken());
    expect(result.status).toBeUndefined();
    expect(result.error).toBe("ECONNRESET");
    expect(sandbox.requests.at(-1)).toMatchObject({ route: "workspaces", status: 0, fault: "drop" });
  });

  it("drops the connection in the middle of a body", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "truncate" });
    const result = await rawGet(`${sandbox.url}${WORKSPACES}`, sandbox.issueToken());
    expect(result.status).toBe(200);
    expect(result.error).toBeDefined();
    expect(() => JSON.parse(result.body)).toThrow();
  });

  it("delays slow responses past a client's timeout", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "slow", delayMs: 400 });
    const token = sandbox.issueToken();
    expect((await rawGet(`${sandbox.url}${WORKSPACES}`, token, 100)).error).toBe("timeout");
    expect((await rawGet(`${sandbox.url}${WORKSPACES}`, token, 2000)).status).toBe(200);
  });

  it("targets scripted faults by route name or path", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "status", status: 500, match: "sessionDetail" });
    const token = sandbox.issueToken();
    expect((await apiGet(sandbox, WORKSPACES, token)).status).toBe(200);
    const session = sandbox.data.allSessions()[0];
    expect((await apiGet(sandbox, `/api/v3/sessionResults/${session?.sessionId}`, token)).status).toBe(500);
    expect(sandbox.faults.pending).toBe(0);
  });

  it("draws random faults in the configured shares, the same way for the same seed", async () => {
    const draw = (seed: string) => {
      const injector = new FaultInjector({ errorRate: 0.2, dropRate: 0.1, slowRate: 0.1, slowMs: 5 }, seed);
      return Array.from({ length: 2000 }, () => injector.next("sessionDetail", "/x", true)?.kind ?? "none");
    };
    const first = draw("42");
    expect(draw("42")).toEqual(first);
    expect(draw("43")).not.toEqual(first);
    const share = (kind: string) => first.filter((k) => k === kind).length / first.length;
    expect(share("status")).toBeCloseTo(0.2, 1);
    expect(share("drop") + share("truncate")).toBeCloseTo(0.1, 1);
    expect(share("slow")).toBeCloseTo(0.1, 1);
    expect(() => new FaultInjector({ errorRate: 0.7, dropRate: 0.5 })).toThrow(/at most 1/);
  });

  it("injects random faults into API requests only, never the token endpoint or media", async () => {
    const sandbox = await useSandbox({ faults: { errorRate: 1 } });
    const token = sandbox.issueToken();
    expect((await apiGet(sandbox, WORKSPACES, token)).status).toBeGreaterThanOrEqual(500);
    const tokenResponse = await fetch(sandbox.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&client_id=${sandbox.client.clientId}&client_secret=${sandbox.client.clientSecret}`,
    });
    expect(tokenResponse.status).toBe(200);
  });
});
