import { createHash, randomBytes, randomUUID } from "node:crypto";
import { HeadObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.js";
import { memoryLogger } from "../../../src/log/logger.js";
import { videoKey } from "../../../src/media/object-keys.js";
import { MediaStorageError } from "../../../src/media/storage/media-storage-error.js";
import { createS3Storage, type S3Storage, stampSha256 } from "../../../src/media/storage/s3-storage.js";
import { s3ClientOf, s3StoreOn, startS3rver } from "./store-harnesses.js";

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every command the store's client sends, with its input as it was when sent (bodies left out). */
function record(client: S3Client): Array<{ command: string; input: Record<string, unknown> }> {
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = JSON.parse(JSON.stringify(args.input, (k, v) => (k === "Body" ? undefined : v)));
      sent.push({ command: String(context.commandName), input });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return sent;
}

async function s3(prefix = "tap/") {
  const server = await startS3rver();
  cleanups.push(() => server.close());
  const { logger, lines } = memoryLogger();
  const storage = await s3StoreOn(server.endpoint, logger, prefix);
  cleanups.push(() => storage.close());
  const client = s3ClientOf(storage);
  return { storage, client, sent: record(client), lines, endpoint: server.endpoint };
}

async function store(storage: S3Storage, key: string, bytes: Buffer) {
  const upload = await storage.open(key, { contentType: "video/mp4" });
  for (let at = 0; at < bytes.length || at === 0; at += MiB) {
    await new Promise<void>((resolve, reject) =>
      upload.stream.write(bytes.subarray(at, at + MiB), (e) => (e ? reject(e) : resolve())),
    );
    if (bytes.length === 0) break;
  }
  upload.stream.end();
  return upload.commit({ bytes: bytes.length });
}

describe("the S3 store (s3rver, through @aws-sdk/client-s3 and lib-storage)", () => {
  it("sends an object of one part as one PutObject that carries its sha256 and content type", async () => {
    const { storage, client, sent } = await s3();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(3 * MiB);
    await store(storage, key, bytes);
    expect(sent.map((s) => s.command)).toEqual(["PutObjectCommand", "HeadObjectCommand"]);
    expect(sent[0]?.input).toMatchObject({
      Key: `tap/${key}`,
      ContentType: "video/mp4",
      Metadata: { sha256: sha256(bytes) },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: "media", Key: `tap/${key}` }));
    expect(head).toMatchObject({
      ContentLength: bytes.length,
      ContentType: "video/mp4",
      Metadata: { sha256: sha256(bytes) },
    });
  });

  it("stamps a multipart upload's sha256 by copying the object onto itself, pinned to its ETag", async () => {
    const { storage, client, sent, lines } = await s3();
    const key = videoKey(randomUUID());
    const bytes = randomBytes(17 * MiB + 1);
    await store(storage, key, bytes);
    expect(sent.map((s) => s.command)).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "UploadPartCommand",
      "CompleteMultipartUploadCommand",
      "HeadObjectCommand",
      "CopyObjectCommand",
    ]);
    expect(sent[0]?.input.Metadata).toEqual({});
    const head = sent.find((s) => s.command === "HeadObjectCommand")?.input;
    expect(sent.find((s) => s.command === "CopyObjectCommand")?.input).toEqual({
      Bucket: "media",
      Key: `tap/${key}`,
      CopySource: `media/tap/${key}`,
      CopySourceIfMatch: head?.IfMatch,
      MetadataDirective: "REPLACE",
      Metadata: { sha256: sha256(bytes) },
      ContentType: "video/mp4",
    });
    // The ETag CompleteMultipartUpload answered (s3rver: an MD5 of the whole; S3: "<md5 of md5s>-3").
    expect(head?.IfMatch).toMatch(/^"[0-9a-f-]+"$/);
    const after = await client.send(new HeadObjectCommand({ Bucket: "media", Key: `tap/${key}` }));
    expect(after).toMatchObject({
      ContentLength: bytes.length,
      ContentType: "video/mp4",
      Metadata: { sha256: sha256(bytes) },
    });
    expect(lines).toEqual([`DEBUG Stamped s3://media/tap/${key} with its sha256 by copying it onto itself`]);
  });

  it("holds at most a part per uploader: the last part goes only at commit", async () => {
    const { storage, sent } = await s3();
    const upload = await storage.open(videoKey(randomUUID()), { contentType: "video/mp4" });
    for (let i = 0; i < 20; i++)
      await new Promise<void>((resolve) => upload.stream.write(Buffer.alloc(MiB, i), () => resolve()));
    // 20 MiB written: parts 1 and 2 have gone, part 3 waits for the end.
    expect(sent.filter((s) => s.command === "UploadPartCommand")).toHaveLength(2);
    expect(sent.some((s) => s.command === "CompleteMultipartUploadCommand")).toBe(false);
    await upload.commit({ bytes: 20 * MiB });
    expect(sent.filter((s) => s.command === "UploadPartCommand")).toHaveLength(3);
  });

  it("aborts the multipart upload on abort(), and warns when the store refuses the abort (s3rver does)", async () => {
    const { storage, sent, lines } = await s3();
    const key = videoKey(randomUUID());
    const upload = await storage.open(key, { contentType: "video/mp4" });
    for (let i = 0; i < 10; i++)
      await new Promise<void>((resolve) => upload.stream.write(Buffer.alloc(MiB, i), () => resolve()));
    await upload.abort();
    const create = sent.findIndex((s) => s.command === "CreateMultipartUploadCommand");
    const abort = sent.find((s) => s.command === "AbortMultipartUploadCommand");
    expect(create).toBeGreaterThanOrEqual(0);
    expect(abort?.input).toMatchObject({ Bucket: "media", Key: `tap/${key}`, UploadId: expect.any(String) });
    // s3rver 3.7 answers AbortMultipartUpload with 405 MethodNotAllowed (it implements no abort).
    expect(lines.join("\n")).toMatch(
      /WARN The multipart upload of s3:\/\/media\/tap\/.* may be left incomplete \(MethodNotAllowed, HTTP 405.*AbortIncompleteMultipartUpload/,
    );
    expect(await storage.stat(key)).toBeNull();
  });

  it("sends nothing for an upload aborted before its first part", async () => {
    const { storage, sent, lines } = await s3();
    const upload = await storage.open(videoKey(randomUUID()), { contentType: "video/mp4" });
    upload.stream.write(Buffer.alloc(1000));
    await upload.abort();
    expect(sent).toEqual([]);
    expect(lines).toEqual([]);
  });

  it("counts an object without a sha256 in its metadata as not there", async () => {
    const { storage, client } = await s3();
    const key = videoKey(randomUUID());
    await client.send(new PutObjectCommand({ Bucket: "media", Key: `tap/${key}`, Body: Buffer.from("x") }));
    expect(await storage.stat(key)).toBeNull();
  });

  it("names the object and S3's answer when the bucket does not exist", async () => {
    const { endpoint } = await s3();
    const { logger } = memoryLogger();
    const storage = await createS3Storage(
      { kind: "s3", bucket: "missing", prefix: "", description: "s3://missing" },
      {
        s3_endpoint: endpoint,
        s3_force_path_style: true,
        s3_access_key_id: "S3RVER",
        s3_secret_access_key: "S3RVER",
      },
      logger,
    );
    cleanups.push(() => storage.close());
    const key = videoKey(randomUUID());
    const upload = await storage.open(key, { contentType: "video/mp4" });
    upload.stream.end(Buffer.from("abc"));
    const failure = upload.commit({ bytes: 3 });
    await expect(failure).rejects.toBeInstanceOf(MediaStorageError);
    await expect(failure).rejects.toThrow(`Could not upload s3://missing/${key}: NoSuchBucket, HTTP 404`);
  });
});

describe("stampSha256 above the CopyObject limit", () => {
  type Sent = { command: string; input: Record<string, unknown> };
  const stub = (failOn?: string) => {
    const sent: Sent[] = [];
    return {
      sent,
      client: {
        send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          sent.push({ command: command.constructor.name, input: command.input });
          if (command.constructor.name === failOn) throw new Error("refused");
          if (command.constructor.name === "CreateMultipartUploadCommand") return { UploadId: "U1" };
          if (command.constructor.name === "UploadPartCopyCommand")
            return { CopyPartResult: { ETag: `"p${command.input.PartNumber}"` } };
          return {};
        },
      } as unknown as Pick<S3Client, "send">,
    };
  };
  const object = {
    Bucket: "media",
    Key: "tap/videos/x y.mp4",
    etag: '"abc-3"',
    bytes: 25,
    sha256: "f".repeat(64),
    contentType: "video/mp4",
    copyLimit: 20,
    copyPartSize: 10,
  };

  it("copies the object onto itself in ranges, each pinned to the ETag, with the sha256 in the new upload", async () => {
    const { client, sent } = stub();
    await stampSha256(client, object);
    expect(sent).toEqual([
      {
        command: "CreateMultipartUploadCommand",
        input: {
          Bucket: "media",
          Key: "tap/videos/x y.mp4",
          Metadata: { sha256: "f".repeat(64) },
          ContentType: "video/mp4",
        },
      },
      ...[
        [1, "bytes=0-9"],
        [2, "bytes=10-19"],
        [3, "bytes=20-24"],
      ].map(([PartNumber, CopySourceRange]) => ({
        command: "UploadPartCopyCommand",
        input: {
          Bucket: "media",
          Key: "tap/videos/x y.mp4",
          UploadId: "U1",
          PartNumber,
          CopySource: "media/tap/videos/x%20y.mp4",
          CopySourceIfMatch: '"abc-3"',
          CopySourceRange,
        },
      })),
      {
        command: "CompleteMultipartUploadCommand",
        input: {
          Bucket: "media",
          Key: "tap/videos/x y.mp4",
          UploadId: "U1",
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: '"p1"' },
              { PartNumber: 2, ETag: '"p2"' },
              { PartNumber: 3, ETag: '"p3"' },
            ],
          },
        },
      },
    ]);
  });

  it("aborts the copy's multipart upload when a part fails", async () => {
    const { client, sent } = stub("UploadPartCopyCommand");
    await expect(stampSha256(client, object)).rejects.toThrow("refused");
    expect(sent.map((s) => s.command)).toEqual([
      "CreateMultipartUploadCommand",
      "UploadPartCopyCommand",
      "AbortMultipartUploadCommand",
    ]);
  });
});

describe("the S3 settings", () => {
  const url = { kind: "s3" as const, bucket: "media", prefix: "", description: "s3://media" };
  const { logger } = memoryLogger();

  it.each([
    ["a key id without its secret", { s3_access_key_id: "AKIA" }, /go together/],
    ["a secret without its key id", { s3_secret_access_key: "secret" }, /go together/],
    ["a session token alone", { s3_session_token: "token" }, /needs 's3_access_key_id'/],
    [
      "an endpoint that is no URL",
      { s3_endpoint: "minio:9000" },
      /'s3_endpoint' \("minio:9000"\) is not an http/,
    ],
  ])("refuses %s", async (_name, settings, message) => {
    await expect(createS3Storage(url, settings, logger)).rejects.toThrow(ConfigError);
    await expect(createS3Storage(url, settings, logger)).rejects.toThrow(message);
  });

  it("asks for a region when neither the settings nor the environment give one", async () => {
    const saved = { ...process.env };
    for (const name of ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"]) delete process.env[name];
    process.env.AWS_CONFIG_FILE = "/nonexistent/aws-config";
    process.env.AWS_SHARED_CREDENTIALS_FILE = "/nonexistent/aws-credentials";
    process.env.AWS_EC2_METADATA_DISABLED = "true";
    try {
      await expect(createS3Storage(url, {}, logger)).rejects.toThrow(
        "No AWS region is known for s3://media: set 's3_region' (or the AWS_REGION variable).",
      );
    } finally {
      process.env = saved;
    }
  });

  it("asks S3-compatible stores for checksums only where required, and AWS wherever supported", async () => {
    const compatible = await createS3Storage(url, { s3_endpoint: "http://127.0.0.1:9000" }, logger);
    const aws = await createS3Storage(url, { s3_region: "eu-west-1" }, logger);
    const config = (s: S3Storage) => s3ClientOf(s).config;
    expect(await config(compatible).requestChecksumCalculation()).toBe("WHEN_REQUIRED");
    expect(await config(compatible).responseChecksumValidation()).toBe("WHEN_REQUIRED");
    expect(await config(compatible).region()).toBe("us-east-1");
    expect(await config(aws).requestChecksumCalculation()).toBe("WHEN_SUPPORTED");
    expect(await config(aws).region()).toBe("eu-west-1");
    expect(config(aws).forcePathStyle).toBe(false);
    await compatible.close();
    await aws.close();
  });
});
