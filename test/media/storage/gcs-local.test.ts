import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { crc32c, crc32cBase64, type GcsLocal, startGcsLocal } from "../../../src/emulators/gcs/index.js";

/**
 * gcs-local's protocol, spoken with fetch instead of the client: what GCS answers (its resumable
 * upload guide: https://cloud.google.com/storage/docs/performing-resumable-uploads), so the client
 * tests above run against a server that refuses what GCS refuses.
 */

const KiB = 1024;
const servers: GcsLocal[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(): Promise<GcsLocal> {
  const s = await startGcsLocal({ buckets: ["media"] });
  servers.push(s);
  return s;
}

async function startSession(s: GcsLocal, name: string, query = ""): Promise<string> {
  const response = await fetch(
    `${s.url}/upload/storage/v1/b/media/o?uploadType=resumable&name=${name}${query}`,
    {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Upload-Content-Type": "video/mp4" },
      body: JSON.stringify({ metadata: { source: "test" } }),
    },
  );
  expect(response.status).toBe(200);
  return String(response.headers.get("location"));
}

const put = (uri: string, range: string, body: Buffer = Buffer.alloc(0)) =>
  fetch(uri, { method: "PUT", headers: { "Content-Range": range }, body });

/** The fields the specs read from GCS's JSON answers. */
interface Answer {
  generation: string;
  crc32c: string;
  md5Hash: string;
  error: { message: string; errors: Array<{ reason: string }> };
  items: Array<{ name: string }>;
}
const json = async (response: Response): Promise<Answer> => (await response.json()) as Answer;

const get = (s: GcsLocal, name: string, query = "") =>
  fetch(`${s.url}/storage/v1/b/media/o/${encodeURIComponent(name)}${query}`);

describe("gcs-local (fake-backed: local GCS JSON API server)", () => {
  it("computes CRC-32C as GCS reports it", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32cBase64(0xe3069283)).toBe("4waSgw==");
    const bytes = Buffer.from("continued over two calls");
    expect(crc32c(bytes.subarray(9), crc32c(bytes.subarray(0, 9)))).toBe(crc32c(bytes));
  });

  it("keeps a resumable upload invisible until its last chunk, answering 308 with the range it has", async () => {
    const s = await server();
    const uri = await startSession(s, "a/b.mp4");
    const bytes = Buffer.alloc(256 * KiB + 10, 3);
    const first = await put(uri, `bytes 0-${256 * KiB - 1}/*`, bytes.subarray(0, 256 * KiB));
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe(`bytes=0-${256 * KiB - 1}`);
    expect((await get(s, "a/b.mp4")).status).toBe(404);
    const status = await put(uri, "bytes */*");
    expect([status.status, status.headers.get("range")]).toEqual([308, `bytes=0-${256 * KiB - 1}`]);
    const last = await put(
      uri,
      `bytes ${256 * KiB}-${bytes.length - 1}/${bytes.length}`,
      bytes.subarray(256 * KiB),
    );
    expect(last.status).toBe(200);
    const object = await json(last);
    expect(object).toMatchObject({
      kind: "storage#object",
      name: "a/b.mp4",
      bucket: "media",
      size: String(bytes.length),
      contentType: "video/mp4",
      metadata: { source: "test" },
      md5Hash: createHash("md5").update(bytes).digest("base64"),
      crc32c: crc32cBase64(crc32c(bytes)),
      metageneration: "1",
    });
    expect(await json(await get(s, "a/b.mp4"))).toEqual(object);
    const media = await get(s, "a/b.mp4", "?alt=media");
    expect(media.headers.get("x-goog-hash")).toBe(`crc32c=${object.crc32c},md5=${object.md5Hash}`);
    expect(Buffer.from(await media.arrayBuffer()).equals(bytes)).toBe(true);
    expect(s.openSessions()).toBe(0);
  });

  it("refuses a non-final chunk that is not a multiple of 256 KiB, and a chunk that skips bytes", async () => {
    const s = await server();
    const uri = await startSession(s, "x.mp4");
    const odd = await put(uri, "bytes 0-999/*", Buffer.alloc(1000));
    expect(odd.status).toBe(400);
    expect((await json(odd)).error.message).toMatch(/multiple of 262144 except for the final request/);
    const gap = await put(uri, "bytes 10-19/20", Buffer.alloc(10));
    expect(gap.status).toBe(400);
    expect((await put(uri, "bytes 0-9/10", Buffer.alloc(10))).status).toBe(200);
  });

  it("takes re-sent bytes it already has, as GCS does when a response was lost", async () => {
    const s = await server();
    const uri = await startSession(s, "x.mp4");
    const bytes = Buffer.from(Array.from({ length: 512 * KiB }, (_, i) => i % 251));
    await put(uri, `bytes 0-${256 * KiB - 1}/*`, bytes.subarray(0, 256 * KiB));
    const again = await put(uri, `bytes 0-${bytes.length - 1}/${bytes.length}`, bytes);
    expect(again.status).toBe(200);
    expect(s.objects()[0]?.data.equals(bytes)).toBe(true);
  });

  it("cancels a session with 499, after which it is gone", async () => {
    const s = await server();
    const uri = await startSession(s, "x.mp4");
    await put(uri, `bytes 0-${256 * KiB - 1}/*`, Buffer.alloc(256 * KiB));
    expect((await fetch(uri, { method: "DELETE" })).status).toBe(499);
    expect((await put(uri, "bytes */*")).status).toBe(404);
    expect(s.objects()).toEqual([]);
  });

  it("holds to preconditions: ifGenerationMatch=0 only creates, a patch pinned to an old generation fails", async () => {
    const s = await server();
    const first = await put(await startSession(s, "x.mp4"), "bytes 0-0/1", Buffer.from("a"));
    const { generation } = await json(first);
    const second = await put(
      await startSession(s, "x.mp4", "&ifGenerationMatch=0"),
      "bytes 0-0/1",
      Buffer.from("b"),
    );
    expect(second.status).toBe(412);
    expect((await json(second)).error.errors[0]?.reason).toBe("conditionNotMet");
    const patch = (gen: string) =>
      fetch(`${s.url}/storage/v1/b/media/o/x.mp4?ifGenerationMatch=${gen}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ metadata: { sha256: "f" } }),
      });
    expect((await patch("1")).status).toBe(412);
    const patched = await patch(generation);
    expect(await json(patched)).toMatchObject({
      generation,
      metageneration: "2",
      metadata: { source: "test", sha256: "f" },
    });
  });

  it("answers GCS's error shape for a missing object or bucket, and 401 for a credential that is not a bearer token", async () => {
    const s = await server();
    const missing = await get(s, "nope.mp4");
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({
      error: {
        code: 404,
        message: "No such object: media/nope.mp4",
        errors: [{ message: "No such object: media/nope.mp4", domain: "global", reason: "notFound" }],
      },
    });
    expect((await fetch(`${s.url}/storage/v1/b/other/o/x`)).status).toBe(404);
    expect(
      (await fetch(`${s.url}/storage/v1/b/media/o/x`, { headers: { Authorization: "Basic eA==" } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${s.url}/storage/v1/b/media/o/x`, { headers: { Authorization: "Bearer t" } })).status,
    ).toBe(404);
  });

  it("takes a multipart upload, lists by prefix and deletes", async () => {
    const s = await server();
    const boundary = "b0und";
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ contentType: "video/mp4", metadata: { sha256: "e" } })}\r\n`,
      ),
      Buffer.from(`--${boundary}\r\nContent-Type: video/mp4\r\n\r\n`),
      Buffer.from("media bytes"),
      Buffer.from(`\r\n--${boundary}--`),
    ]);
    const inserted = await fetch(`${s.url}/upload/storage/v1/b/media/o?uploadType=multipart&name=p/x.mp4`, {
      method: "POST",
      headers: { "Content-Type": `multipart/related; boundary=${boundary}` },
      body,
    });
    expect(await json(inserted)).toMatchObject({ name: "p/x.mp4", size: "11", metadata: { sha256: "e" } });
    const listed = await json(await fetch(`${s.url}/storage/v1/b/media/o?prefix=p/`));
    expect(listed.items.map((i: { name: string }) => i.name)).toEqual(["p/x.mp4"]);
    expect(await json(await fetch(`${s.url}/storage/v1/b/media/o?prefix=q/`))).toEqual({
      kind: "storage#objects",
    });
    expect((await fetch(`${s.url}/storage/v1/b/media/o/p%2Fx.mp4`, { method: "DELETE" })).status).toBe(204);
    expect(s.objects()).toEqual([]);
    expect(s.requests.map((r) => r.route)).toEqual([
      "objects.insert",
      "objects.list",
      "objects.list",
      "objects.delete",
    ]);
  });
});
