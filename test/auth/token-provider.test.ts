import { describe, expect, it } from "vitest";
import { OAuthTokenProvider } from "../../src/auth/token-provider.js";
import { AuthError } from "../../src/errors.js";
import { ManualClock } from "../../src/sandbox/index.js";
import { clientFor } from "../helpers/client.js";
import { useSandbox } from "../helpers/sandbox.js";

const timersOf = (clock: ManualClock) => ({ now: () => clock.now(), sleep: async () => {} });

describe("OAuth tokens", () => {
  it("fetches one token for many concurrent requests", async () => {
    const sandbox = await useSandbox();
    const { client, auth } = clientFor(sandbox, { max_concurrency: 8 });
    await Promise.all(Array.from({ length: 20 }, () => client.workspaces()));
    expect(sandbox.counts.get("token")).toBe(1);
    expect(auth).toBeInstanceOf(OAuthTokenProvider);
    expect((auth as OAuthTokenProvider).fetches).toBe(1);
  });

  it("refreshes proactively before expiry, once, with requests in flight", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock, tokenTtlSeconds: 600 });
    const { client } = clientFor(sandbox, { max_concurrency: 8 }, { timers: timersOf(clock) });
    await client.workspaces();
    // Margin: a tenth of a 600 s lifetime. At 539 s the token is still used; at 540 s it is replaced.
    clock.advance(539_000);
    await client.workspaces();
    expect(sandbox.counts.get("token")).toBe(1);
    clock.advance(1000);
    await Promise.all(Array.from({ length: 10 }, () => client.workspaces()));
    expect(sandbox.counts.get("token")).toBe(2);
    expect(sandbox.requests.filter((r) => r.status === 401)).toEqual([]);
  });

  it("recovers from a 401 by refreshing once and retrying", async () => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox, { max_concurrency: 4 });
    await client.workspaces();
    sandbox.tokens.revokeAll();
    const results = await Promise.all(Array.from({ length: 6 }, () => client.workspaces()));
    expect(results.every((r) => r.length === 3)).toBe(true);
    expect(sandbox.counts.get("token")).toBe(2);
    expect(stats.count("workspaces", 401)).toBeGreaterThanOrEqual(1);
  });

  it("fails clearly when a fresh token is refused too", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox);
    // Every token issued is at once refused: the tap must stop, not loop.
    const original = sandbox.tokens.check.bind(sandbox.tokens);
    sandbox.tokens.check = () => ({ ok: false, reason: "unknown" });
    await expect(client.workspaces()).rejects.toThrow(
      /refused a freshly issued access token .* \(401 twice\)/,
    );
    sandbox.tokens.check = original;
  });

  it("explains refused client credentials", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox, { client_secret: "wrong-secret" });
    const error = await client.workspaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toBe(
      "The OAuth server refused the client credentials (invalid_client: The client secret supplied for a confidential client is invalid.). Check client_id and client_secret.",
    );
  });

  it("retries the token endpoint through dropped connections and 5xx", async () => {
    const sandbox = await useSandbox();
    sandbox.faults.enqueue({ kind: "drop", match: "token" }, { kind: "status", status: 503, match: "token" });
    const { client } = clientFor(sandbox);
    expect(await client.workspaces()).toHaveLength(3);
    expect(sandbox.counts.get("token")).toBe(3);
  });

  it("names an unreachable token URL", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox, { token_url: "http://127.0.0.1:9/oauth2/x/v1/token" });
    await expect(client.workspaces()).rejects.toThrow(
      /Could not get an access token from http:\/\/127\.0\.0\.1:9\/oauth2\/x\/v1\/token: the token endpoint could not be reached \(ECONNREFUSED\)/,
    );
  });
});

describe("a static access_token", () => {
  it("is used as given", async () => {
    const sandbox = await useSandbox();
    const { client } = clientFor(sandbox, {
      client_id: undefined,
      client_secret: undefined,
      access_token: sandbox.issueToken(),
    });
    expect(await client.workspaces()).toHaveLength(3);
    expect(sandbox.counts.get("token")).toBeUndefined();
  });

  it("says a token the API refuses is expired or not valid, and makes no retry storm", async () => {
    const sandbox = await useSandbox();
    const { client, stats } = clientFor(sandbox, {
      client_id: undefined,
      client_secret: undefined,
      access_token: "not-a-token-the-api-knows",
    });
    const error = await client.workspaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe("TOKEN_EXPIRED");
    expect((error as Error).message).toBe(
      "The static access_token was refused (401): expired or not valid. A static token cannot be refreshed: supply a new access_token, or configure client_id and client_secret so the tap refreshes tokens itself.",
    );
    expect(stats.count("workspaces", 401)).toBe(1);
  });

  it("says when it expired once its JWT exp has passed mid-run, and makes no retry storm", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock });
    const token = sandbox.issueToken(60);
    const { client } = clientFor(
      sandbox,
      { client_id: undefined, client_secret: undefined, access_token: token },
      { timers: timersOf(clock) },
    );
    await client.workspaces();
    clock.advance(61_000);
    const error = await client.workspaces().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).code).toBe("TOKEN_EXPIRED");
    expect((error as Error).message).toMatch(
      /^The static access_token expired at \S+Z \(its exp claim\)\. .* configure client_id and client_secret/,
    );
    expect(sandbox.requests).toHaveLength(1);
  });

  it("is refused before any call when its JWT exp has passed", async () => {
    const clock = new ManualClock();
    const sandbox = await useSandbox({ clock });
    const token = sandbox.issueToken(60);
    clock.advance(120_000);
    const { client } = clientFor(
      sandbox,
      { client_id: undefined, client_secret: undefined, access_token: token },
      { timers: timersOf(clock) },
    );
    await expect(client.workspaces()).rejects.toThrow(
      new RegExp(
        `^The static access_token expired at ${new Date(clock.now() - 60_000).toISOString()} \\(its exp claim\\)\\. A static token cannot be refreshed`,
      ),
    );
    expect(sandbox.requests).toHaveLength(0);
  });
});
