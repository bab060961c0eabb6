import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { redact } from "../../../src/auth/redact.js";
import { ConfigError } from "../../../src/errors.js";
import { memoryLogger } from "../../../src/log/logger.js";
import { GcsStorage } from "../../../src/media/storage/gcs-storage.js";
import { LocalStorage } from "../../../src/media/storage/local-storage.js";
import { S3Storage } from "../../../src/media/storage/s3-storage.js";
import { openStorage, parseStorageUrl } from "../../../src/media/storage/storage-url.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const CWD = "/srv/tap";

describe("the media_storage setting", () => {
  it.each([
    ["unset: ./usertesting-media", undefined, { kind: "local", root: "/srv/tap/usertesting-media" }],
    ["null", null, { kind: "local", root: "/srv/tap/usertesting-media" }],
    ["a relative path", "media/out", { kind: "local", root: "/srv/tap/media/out" }],
    ["an absolute path", "/data/media/", { kind: "local", root: "/data/media" }],
    ["a file URL", "file:///data/my%20media", { kind: "local", root: "/data/my media" }],
    ["a bucket", "s3://media", { kind: "s3", bucket: "media", prefix: "", description: "s3://media" }],
    [
      "a bucket and a slash",
      "s3://media/",
      { kind: "s3", bucket: "media", prefix: "", description: "s3://media" },
    ],
    [
      "a bucket and a prefix",
      "s3://my.media-bucket/usertesting/raw/",
      {
        kind: "s3",
        bucket: "my.media-bucket",
        prefix: "usertesting/raw/",
        description: "s3://my.media-bucket/usertesting/raw",
      },
    ],
    [
      "a GCS bucket and a prefix",
      "gs://media/ut",
      { kind: "gcs", bucket: "media", prefix: "ut/", description: "gs://media/ut" },
    ],
    ["a scheme in capitals", "S3://media/x", { kind: "s3", bucket: "media", prefix: "x/" }],
  ])("reads %s", (_name, value, expected) => {
    expect(parseStorageUrl(value, CWD)).toMatchObject(expected);
  });

  it.each([
    ["empty", "", /is empty/],
    ["http", "https://media.example.com/x", /scheme https:, which is not one of file:, s3: and gs:/],
    ["gcs://", "gcs://media", /write gs:\/\//],
    ["a scheme without slashes", "s3:media", /has no bucket/],
    ["no bucket", "s3://", /which is not a bucket name/],
    ["a bucket with a slash in its name", "gs:///x", /which is not a bucket name/],
    ["an empty segment", "s3://media/a//b", /empty, '\.' or '\.\.' segment/],
    ["a parent segment", "gs://media/a/../b", /empty, '\.' or '\.\.' segment/],
    ["a query", "s3://media/x?versionId=1", /query or fragment/],
    ["a remote file URL", "file://server/share", /not a local file:\/\/\/ URL/],
    ["a home folder", "~/media", /starts with ~/],
  ])("refuses %s, naming the setting and every accepted form", (_name, value, reason) => {
    let error: unknown;
    try {
      parseStorageUrl(value, CWD);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain("The setting 'media_storage'");
    expect((error as Error).message).toContain("s3://bucket/prefix or gs://bucket/prefix");
  });

  it("never repeats credentials written into the URL", () => {
    expect(() => parseStorageUrl("s3://AKIAEXAMPLE:hunter2secret@media/x", CWD)).toThrow(ConfigError);
    try {
      parseStorageUrl("s3://AKIAEXAMPLE:hunter2secret@media/x", CWD);
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2secret");
      expect((error as Error).message).toContain("holds credentials");
    }
  });

  it("resolves a relative folder against the working directory by default", () => {
    expect(parseStorageUrl("m")).toMatchObject({ root: join(process.cwd(), "m") });
    expect(parseStorageUrl(undefined)).toMatchObject({ root: resolve("usertesting-media") });
  });
});

describe("openStorage", () => {
  it("opens the store the setting names", async () => {
    const { logger } = memoryLogger();
    const local = await openStorage({ media_storage: "/tmp/nowhere-made" }, logger);
    expect(local).toBeInstanceOf(LocalStorage);
    expect(local.description).toBe("/tmp/nowhere-made");
    const s3 = await openStorage(
      {
        media_storage: "s3://media/p",
        s3_endpoint: "http://127.0.0.1:1",
        s3_access_key_id: "k",
        s3_secret_access_key: "s",
      },
      logger,
    );
    expect(s3).toBeInstanceOf(S3Storage);
    expect(s3.description).toBe("s3://media/p");
    await s3.close();
    const gcs = await openStorage(
      { media_storage: "gs://media", gcs_api_endpoint: "http://127.0.0.1:1" },
      logger,
    );
    expect(gcs).toBeInstanceOf(GcsStorage);
    expect(gcs.description).toBe("gs://media");
  });

  it("registers every secret for redaction before anything can log it", async () => {
    const { logger } = memoryLogger();
    await openStorage(
      {
        media_storage: "/tmp/nowhere-made",
        s3_secret_access_key: "s3-secret-value-1",
        s3_session_token: "s3-session-token-2",
        gcs_credentials_json: '{"private_key":"-----BEGIN KEY-----"}',
      },
      logger,
    );
    expect(redact("a s3-secret-value-1 b s3-session-token-2 c")).toBe("a [REDACTED] b [REDACTED] c");
    expect(redact('{"private_key":"-----BEGIN KEY-----"}')).not.toContain("BEGIN KEY");
  });

  it("warns about settings that belong to another kind of store", async () => {
    const { logger, lines } = memoryLogger();
    await openStorage(
      {
        media_storage: "/tmp/nowhere-made",
        s3_endpoint: "http://x",
        gcs_project: "p",
        s3_force_path_style: false,
      },
      logger,
    );
    expect(lines).toEqual([
      "WARN Media go to /tmp/nowhere-made, so these settings are not used: s3_endpoint, gcs_project.",
    ]);
  });
});
