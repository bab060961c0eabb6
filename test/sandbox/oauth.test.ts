import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/sandbox/index.js";
import { apiGet, fetchToken, useSandbox } from "../helpers/sandbox.js";

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { "Content-Type": "application/x-www-form-urlencoded" };

describe("the sandbox's OAuth token endpoint", () => {
  it("grants client credentials as generate-token.py asks for them", async () => {
    const sandbox = await useSandbox();
    const response = await fetch(sandbox.tokenUrl, {
      method: "POST",
      headers: FORM,
      // The exact body generate-token.py builds, with its pre-encoded scope.
      body: `grant_type=client_credentials&client_id=${sandbox.client.clientId}&client_secret=${sandbox.client.clientSecret}&scope=studies%3Aread`,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      token_type: "Bearer",
      expires_in: 3600,
      access_token: expect.any(String),
      scope: "studies:read",
    });
    expect(String(body.access_token).split(".")).toHaveLength(3);
  });

  it("accepts client credentials in an HTTP Basic header", async () => {
    const sandbox = await useSandbox();
    const basic = Buffer.from(`${sandbox.client.clientId}:${sandbox.client.clientSecret}`).toString("base64");
    const response = await fetch(sandbox.tokenUrl, {
      method: "POST",
      headers: { ...FORM, Authorization: `Basic ${basic}` },
      body: form({ grant_type: "client_credentials", scope: "studies:read" }),
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ["an unknown client", { client_id: "nobody" }, 401, "invalid_client"],
    ["a wrong secret", { client_secret: "wrong" }, 401, "invalid_client"],
    ["another grant type", { grant_type: "password" }, 400, "unsupported_grant_type"],
    ["no grant type", { grant_type: "" }, 400, "invalid_request"],
    ["another scope", { scope: "studies:write" }, 400, "invalid_scope"],
  ])("refuses %s", async (_case, override, status, error) => {
    const sandbox = await useSandbox();
    const fields = {
      grant_type: "client_credentials",
      client_id: sandbox.client.clientId,
      client_secret: sandbox.client.clientSecret,
      scope: "studies:read",
      ...override,
    };
    const response = await fetch(sandbox.tokenUrl, { method: "POST", headers: FORM, body: form(fields) });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error, error_description: expect.any(String) });
  });

  it("refuses a JSON body and a GET", async () => {
    const sandbox = await useSandbox();
    const json = await fetch(sandbox.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    const get = await fetch(sandbox.tokenUrl);
    expect(get.status).toBe(405);
  });

  it("issues tokens that expire after their lifetime, answered by 401 on every API endpoint", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, tokenTtlSeconds: 120 });
    const token = await fetchToken(sandbox);
    const testId = sandbox.data.tests().find((t) => t.api === "results_api")?.testId;
    const path = `/api/v2/sessionResults?testId=${testId}`;
    expect((await apiGet(sandbox, path, token)).status).toBe(200);
    clock.advance(119_999);
    expect((await apiGet(sandbox, path, token)).status).toBe(200);
    clock.advance(1);
    const expired = await apiGet(sandbox, path, token);
    expect(expired.status).toBe(401);
    expect(expired.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
    expect(await expired.json()).toEqual({ code: "UNAUTHORIZED", message: "The access token has expired" });
    expect((await apiGet(sandbox, path, await fetchToken(sandbox))).status).toBe(200);
  });

  it("issues tokens directly to tests, for static-token scenarios", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock });
    const token = sandbox.issueToken(60);
    expect((await apiGet(sandbox, "/usertesting/api/v1/workspaces", token)).status).toBe(200);
    clock.advance(60_000);
    expect((await apiGet(sandbox, "/usertesting/api/v1/workspaces", token)).status).toBe(401);
  });
});
