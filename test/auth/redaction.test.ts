import { describe, expect, it } from "vitest";
import { redact, registerSecret, safeUrl } from "../../src/auth/redact.js";
import { Logger } from "../../src/log/logger.js";
import { clientFor } from "../helpers/client.js";
import { useSandbox } from "../helpers/sandbox.js";

describe("redaction", () => {
  it.each([
    ["Authorization: Bearer abc.def-ghi", "Authorization: Bearer [REDACTED]"],
    ['{"access_token":"xyz123","expires_in":3600}', '{"access_token":"[REDACTED]","expires_in":3600}'],
    [
      "grant_type=client_credentials&client_secret=hunter22&scope=x",
      "grant_type=client_credentials&client_secret=[REDACTED]&scope=x",
    ],
    ["token eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl here", "token [REDACTED-JWT] here"],
    [
      "GET https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Algorithm=AWS4&X-Amz-Signature=abcdef failed",
      "GET https://bucket.s3.amazonaws.com/v.mp4?[REDACTED] failed",
    ],
    [
      "GET https://cdn.example.com/r.mp4?Expires=1&Signature=x&Key-Pair-Id=y",
      "GET https://cdn.example.com/r.mp4?[REDACTED]",
    ],
    [
      "plain message with https://api.use2.usertesting.com/api/v2/sessionResults?testId=1",
      "plain message with https://api.use2.usertesting.com/api/v2/sessionResults?testId=1",
    ],
  ])("turns %s into %s", (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    "Could not get an access token from http://127.0.0.1:4010/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token: the token endpoint could not be reached (ECONNREFUSED). Check token_url and the network.",
    "POST https://auth.usertesting.com/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token: the token endpoint answered 503",
    "The token endpoint https://auth.example.com/v1/token answered without an access_token. Check token_url.",
  ])("leaves a message with no secret in it as it is: %s", (message) => {
    expect(redact(message)).toBe(message);
  });

  it.each([
    [
      "a pre-signed URL inside a sentence keeps the words after it",
      "Downloading https://bucket.s3.amazonaws.com/v.mp4?X-Amz-Credential=AKIA&X-Amz-Signature=abc123 failed: 403, retrying.",
      "Downloading https://bucket.s3.amazonaws.com/v.mp4?[REDACTED] failed: 403, retrying.",
    ],
    [
      "a pre-signed URL ending a sentence keeps the full stop",
      "reelUrl was https://cdn.example.com/r.mp4?Expires=1&Signature=x&Key-Pair-Id=y.",
      "reelUrl was https://cdn.example.com/r.mp4?[REDACTED].",
    ],
    [
      "a token in a URL's query string",
      "GET https://x.test/v1/token?token=abcdef123 (ECONNRESET) after 3 attempts",
      "GET https://x.test/v1/token?[REDACTED] (ECONNRESET) after 3 attempts",
    ],
    [
      "a token field after a URL path",
      "https://x.test/v1/token answered token: abcdef123456",
      "https://x.test/v1/token answered token: [REDACTED]",
    ],
    [
      "a secret field in a form body after a URL",
      "POST https://auth.example.com/v1/token body client_secret=hunter22&scope=x",
      "POST https://auth.example.com/v1/token body client_secret=[REDACTED]&scope=x",
    ],
    [
      "a bearer header and a JWT after a URL",
      "GET https://api.test/v1/workspaces: Bearer abc.def-ghi, id eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl",
      "GET https://api.test/v1/workspaces: Bearer [REDACTED], id [REDACTED-JWT]",
    ],
  ])("removes secrets and keeps the rest: %s", (_case, input, output) => {
    expect(redact(input)).toBe(output);
  });

  it("removes registered secrets wherever they appear", () => {
    registerSecret("my-very-own-secret");
    expect(redact("oops: my-very-own-secret!")).toBe("oops: [REDACTED]!");
    expect(safeUrl("https://x.test/file.mp4?sig=1")).toBe("https://x.test/file.mp4?…");
  });

  it("keeps the client secret, tokens and URL signatures out of a whole run's logs", async () => {
    const sandbox = await useSandbox();
    const issued: string[] = [];
    const issue = sandbox.tokens.issue.bind(sandbox.tokens);
    sandbox.tokens.issue = (...args) => {
      const token = issue(...args);
      issued.push(token.accessToken);
      return token;
    };
    const { client, logs } = clientFor(sandbox);
    const withVideo = sandbox.data.allSessions().find((s) => s.hasVideo);
    sandbox.faults.enqueue(
      { kind: "status", status: 503, match: "videoDownloadUrl" },
      { kind: "drop", match: "workspaces" },
    );
    const video = await client.videoDownloadUrl(withVideo?.sessionId ?? "");
    sandbox.tokens.revokeAll();
    await client.workspaces();
    expect(issued).toHaveLength(2);
    const signature = new URL(video?.videoUrl ?? "").searchParams.get("X-Amz-Signature") ?? "";
    // A careless caller logging secrets outright: the one redaction guard must still catch them.
    const careless: string[] = [];
    const log = new Logger((line) => careless.push(line), "debug");
    log.info(`downloading ${video?.videoUrl}`);
    log.debug(`request headers: {"authorization":"Bearer ${issued[0]}"}`);
    log.error(
      `token endpoint body: client_id=${sandbox.client.clientId}&client_secret=${sandbox.client.clientSecret}`,
    );
    log.warn(`refreshed; new token is ${issued[1]}`);
    const everything = [...logs, ...careless].join("\n");
    expect(logs.length).toBeGreaterThan(2);
    for (const secret of [sandbox.client.clientSecret, signature, ...issued])
      expect(everything).not.toContain(secret);
  });
});
