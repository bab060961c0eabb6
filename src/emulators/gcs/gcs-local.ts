import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { multipartParts } from "../multipart-related.js";
import { crc32c, crc32cBase64 } from "./crc32c.js";

export interface GcsLocalOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Buckets that exist from the start; others can be made with `createBucket`. @default [] */
  buckets?: string[];
  /** Called with one line per request (method, path, route, status). */
  log?: (line: string) => void;
}

export type GcsRoute =
  | "buckets.get"
  | "objects.list"
  | "objects.get"
  | "objects.media"
  | "objects.patch"
  | "objects.delete"
  | "objects.insert"
  | "uploads.start"
  | "uploads.put"
  | "uploads.cancel";

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: Record<string, string>;
  route: GcsRoute | "unknown";
  status: number;
  /** The request's Content-Range (resumable chunks), if any. */
  contentRange: string | undefined;
  /** Bytes in the request body. */
  bodyBytes: number;
  /** Whether an Authorization header came (the client sends none to a custom endpoint without credentials). */
  authorized: boolean;
}

/** An object as the server keeps it. */
export interface StoredGcsObject {
  bucket: string;
  name: string;
  data: Buffer;
  generation: number;
  metageneration: number;
  contentType: string;
  /** Custom metadata (`x-goog-meta-*` in the XML API). */
  metadata: Record<string, string>;
  created: string;
  updated: string;
}

export interface GcsLocal {
  /** Pass as the client's `apiEndpoint`, e.g. http://127.0.0.1:43117. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Every object, in no particular order. */
  objects(): StoredGcsObject[];
  /** Resumable sessions neither finalised nor cancelled. */
  openSessions(): number;
  createBucket(name: string): void;
  /** Answers the n-th next request of `route` (1 = the next) with `status` and a backendError. */
  failRequest(route: GcsRoute, n: number, status: number): void;
  close(): Promise<void>;
}

interface Session {
  id: string;
  bucket: string;
  name: string;
  contentType: string;
  metadata: Record<string, string>;
  preconditions: Record<string, string>;
  chunks: Buffer[];
  size: number;
  crc: number;
  result: StoredGcsObject | null;
}

/** GCS's error shape: `{error: {code, message, errors: [{message, domain, reason}]}}`. */
class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Non-final chunks of a resumable upload must be multiples of 256 KiB (GCS's rule). */
const CHUNK_MULTIPLE = 256 * 1024;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new GcsError(400, "parseError", "Parse Error");
  }
}

/** A multipart upload's metadata and media (see multipartParts). */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { metadata: Record<string, unknown>; data: Buffer } {
  const parts = multipartParts(body, contentType);
  if (!parts) throw new GcsError(400, "invalid", "Multipart upload without a boundary");
  const [meta, data] = parts;
  if (!meta || !data)
    throw new GcsError(400, "invalid", "Multipart upload needs a metadata part and a media part");
  return { metadata: parseJson(meta), data };
}

function customMetadata(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => [k, String(v)]),
  );
}

/**
 * Starts a local server speaking the part of the GCS JSON API (v1) that @google-cloud/storage 7.x
 * uses to write, read and describe objects. Objects live in memory. See README.md.
 */
export async function startGcsLocal(options: GcsLocalOptions = {}): Promise<GcsLocal> {
  const buckets = new Set(options.buckets ?? []);
  const objects = new Map<string, StoredGcsObject>();
  const sessions = new Map<string, Session>();
  const requests: RecordedRequest[] = [];
  const faults: Array<{ route: GcsRoute; left: number; status: number }> = [];
  let lastGeneration = 0;
  let url = "";

  const keyOf = (bucket: string, name: string) => `${bucket}/${name}`;
  const nextGeneration = () => {
    lastGeneration = Math.max(lastGeneration + 1, Date.now() * 1000);
    return lastGeneration;
  };

  const requireBucket = (bucket: string) => {
    if (!buckets.has(bucket)) throw new GcsError(404, "notFound", "The specified bucket does not exist.");
  };

  const requireObject = (bucket: string, name: string): StoredGcsObject => {
    requireBucket(bucket);
    const object = objects.get(keyOf(bucket, name));
    if (!object) throw new GcsError(404, "notFound", `No such object: ${bucket}/${name}`);
    return object;
  };

  /** ifGenerationMatch (0: must not exist), ifGenerationNotMatch, ifMetagenerationMatch, ifMetagenerationNotMatch. */
  const checkPreconditions = (existing: StoredGcsObject | undefined, query: Record<string, string>) => {
    const fail = () => {
      throw new GcsError(
        412,
        "conditionNotMet",
        "At least one of the pre-conditions you specified did not hold.",
      );
    };
    const generation = existing?.generation ?? 0;
    if (query.ifGenerationMatch !== undefined && Number(query.ifGenerationMatch) !== generation) fail();
    if (query.ifGenerationNotMatch !== undefined && Number(query.ifGenerationNotMatch) === generation) fail();
    if (
      query.ifMetagenerationMatch !== undefined &&
      Number(query.ifMetagenerationMatch) !== existing?.metageneration
    )
      fail();
    if (
      query.ifMetagenerationNotMatch !== undefined &&
      Number(query.ifMetagenerationNotMatch) === existing?.metageneration
    )
      fail();
  };

  const resource = (o: StoredGcsObject) => {
    const path = `${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
    return {
      kind: "storage#object",
      id: `${o.bucket}/${o.name}/${o.generation}`,
      selfLink: `${url}/storage/v1/b/${path}`,
      mediaLink: `${url}/download/storage/v1/b/${path}?generation=${o.generation}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: String(o.generation),
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: "STANDARD",
      size: String(o.data.length),
      md5Hash: createHash("md5").update(o.data).digest("base64"),
      crc32c: crc32cBase64(crc32c(o.data)),
      etag: Buffer.from(`${o.generation}/${o.metageneration}`).toString("base64"),
      timeCreated: o.created,
      updated: o.updated,
      timeStorageClassUpdated: o.created,
      ...(Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
    };
  };

  /** Makes the object visible: the one moment an upload's bytes appear under its name. */
  const store = (
    bucket: string,
    name: string,
    data: Buffer,
    fields: { contentType: string; metadata: Record<string, string> },
    preconditions: Record<string, string>,
  ): StoredGcsObject => {
    requireBucket(bucket);
    checkPreconditions(objects.get(keyOf(bucket, name)), preconditions);
    const now = new Date().toISOString();
    const object: StoredGcsObject = {
      bucket,
      name,
      data,
      generation: nextGeneration(),
      metageneration: 1,
      contentType: fields.contentType,
      metadata: fields.metadata,
      created: now,
      updated: now,
    };
    objects.set(keyOf(bucket, name), object);
    return object;
  };

  const preconditionsOf = (query: Record<string, string>) =>
    Object.fromEntries(Object.entries(query).filter(([k]) => /^if(Meta)?generation(Not)?Match$/i.test(k)));

  const sessionUrl = (s: Session) =>
    `${url}/upload/storage/v1/b/${encodeURIComponent(s.bucket)}/o?uploadType=resumable&name=${encodeURIComponent(s.name)}&upload_id=${s.id}`;

  /**
   * One PUT to a session: `bytes a-b/total`, `bytes a-b/*` (more to come), `bytes a-*\/*` (the
   * whole rest in this request), `bytes *\/total` (finalise), `bytes *\/*` (ask how far it got).
   */
  const putChunk = (
    s: Session,
    range: string | undefined,
    body: Buffer,
  ): { status: number; object?: StoredGcsObject } => {
    if (s.result) return { status: 200, object: s.result };
    const match = /^bytes (?:(\d+)-(\d+|\*)|\*)\/(\d+|\*)$/.exec(
      range ?? `bytes 0-${body.length - 1}/${body.length}`,
    );
    if (!match) throw new GcsError(400, "invalid", `Invalid Content-Range: ${range}`);
    const [, first, last, totalText] = match;
    const total = totalText === "*" ? null : Number(totalText);
    if (first !== undefined) {
      const start = Number(first);
      if (last !== "*" && Number(last) - start + 1 !== body.length)
        throw new GcsError(
          400,
          "invalid",
          `Content-Range ${range} does not match the ${body.length} bytes sent`,
        );
      if (start > s.size)
        throw new GcsError(
          400,
          "invalid",
          `Content-Range starts at ${start}, but only ${s.size} bytes were received`,
        );
      const fresh = body.subarray(s.size - start);
      const final = last === "*" || (total !== null && start + body.length === total);
      if (!final && (s.size + fresh.length) % CHUNK_MULTIPLE !== 0)
        throw new GcsError(
          400,
          "invalid",
          `Invalid request. The number of bytes uploaded is required to be a multiple of ${CHUNK_MULTIPLE} except for the final request.`,
        );
      s.chunks.push(fresh);
      s.size += fresh.length;
      s.crc = crc32c(fresh, s.crc);
    }
    const finalSize = total ?? (last === "*" ? s.size : null);
    if (finalSize === null || s.size < finalSize) return { status: 308 };
    if (s.size > finalSize)
      throw new GcsError(400, "invalid", `Received ${s.size} bytes, more than the ${finalSize} announced`);
    s.result = store(
      s.bucket,
      s.name,
      Buffer.concat(s.chunks),
      { contentType: s.contentType, metadata: s.metadata },
      s.preconditions,
    );
    s.chunks = [];
    return { status: 200, object: s.result };
  };

  const route = (
    method: string,
    path: string,
    query: Record<string, string>,
  ): [GcsRoute, string[]] | null => {
    let m = /^\/storage\/v1\/b\/([^/]+)$/.exec(path);
    if (m && method === "GET") return ["buckets.get", [m[1] as string]];
    m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (m && method === "GET") return ["objects.list", [m[1] as string]];
    m = /^\/(?:download\/)?storage\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(path);
    if (m) {
      const args = [m[1] as string, m[2] as string];
      if (method === "GET") return [query.alt === "media" ? "objects.media" : "objects.get", args];
      if (method === "PATCH" || method === "PUT") return ["objects.patch", args];
      if (method === "DELETE") return ["objects.delete", args];
    }
    m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(path);
    if (m) {
      const args = [m[1] as string];
      if (query.upload_id && method === "PUT") return ["uploads.put", args];
      if (query.upload_id && method === "DELETE") return ["uploads.cancel", args];
      if (method === "POST" && query.uploadType === "resumable") return ["uploads.start", args];
      if (method === "POST") return ["objects.insert", args];
    }
    return null;
  };

  const handle = async (
    name: GcsRoute,
    args: string[],
    req: IncomingMessage,
    res: ServerResponse,
    query: Record<string, string>,
    body: Buffer,
  ): Promise<number> => {
    const [bucket = "", objectName = ""] = args.map((a) => decodeURIComponent(a));
    const send = (status: number, json?: unknown, headers: Record<string, string> = {}) => {
      const text = json === undefined ? "" : JSON.stringify(json);
      res.writeHead(status, {
        ...(json === undefined ? {} : { "Content-Type": "application/json; charset=UTF-8" }),
        "Content-Length": Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
      return status;
    };
    switch (name) {
      case "buckets.get":
        requireBucket(bucket);
        return send(200, {
          kind: "storage#bucket",
          id: bucket,
          name: bucket,
          location: "US",
          storageClass: "STANDARD",
        });
      case "objects.list": {
        requireBucket(bucket);
        const prefix = query.prefix ?? "";
        const items = [...objects.values()]
          .filter((o) => o.bucket === bucket && o.name.startsWith(prefix))
          .sort((a, b) => a.name.localeCompare(b.name))
          .map(resource);
        return send(200, { kind: "storage#objects", ...(items.length ? { items } : {}) });
      }
      case "objects.get": {
        const object = requireObject(bucket, objectName);
        checkPreconditions(object, query);
        return send(200, resource(object));
      }
      case "objects.media": {
        const object = requireObject(bucket, objectName);
        checkPreconditions(object, query);
        const r = resource(object);
        res.writeHead(200, {
          "Content-Type": object.contentType,
          "Content-Length": object.data.length,
          "x-goog-hash": `crc32c=${r.crc32c},md5=${r.md5Hash}`,
          "x-goog-generation": r.generation,
          "x-goog-metageneration": r.metageneration,
          "x-goog-stored-content-encoding": "identity",
          "x-goog-stored-content-length": r.size,
        });
        res.end(object.data);
        return 200;
      }
      case "objects.patch": {
        const object = requireObject(bucket, objectName);
        checkPreconditions(object, query);
        const patch = parseJson(body);
        if (typeof patch.contentType === "string") object.contentType = patch.contentType;
        if (patch.metadata === null) object.metadata = {};
        else if (patch.metadata && typeof patch.metadata === "object") {
          for (const [k, v] of Object.entries(patch.metadata as Record<string, unknown>)) {
            if (v === null) delete object.metadata[k];
            else object.metadata[k] = String(v);
          }
        }
        object.metageneration += 1;
        object.updated = new Date().toISOString();
        return send(200, resource(object));
      }
      case "objects.delete": {
        const object = requireObject(bucket, objectName);
        checkPreconditions(object, query);
        objects.delete(keyOf(bucket, objectName));
        return send(204);
      }
      case "objects.insert": {
        requireBucket(bucket);
        const type = req.headers["content-type"] ?? "";
        const { metadata, data } =
          query.uploadType === "multipart"
            ? parseMultipart(body, type)
            : { metadata: { contentType: type } as Record<string, unknown>, data: body };
        const target = query.name ?? (typeof metadata.name === "string" ? metadata.name : "");
        if (!target) throw new GcsError(400, "required", "Required: an object name");
        const object = store(
          bucket,
          target,
          data,
          {
            contentType:
              typeof metadata.contentType === "string" ? metadata.contentType : "application/octet-stream",
            metadata: customMetadata(metadata.metadata),
          },
          preconditionsOf(query),
        );
        return send(200, resource(object));
      }
      case "uploads.start": {
        requireBucket(bucket);
        const metadata = parseJson(body);
        const target = query.name ?? (typeof metadata.name === "string" ? metadata.name : "");
        if (!target) throw new GcsError(400, "required", "Required: an object name");
        const session: Session = {
          id: randomUUID().replace(/-/g, ""),
          bucket,
          name: target,
          contentType: String(
            req.headers["x-upload-content-type"] ?? metadata.contentType ?? "application/octet-stream",
          ),
          metadata: customMetadata(metadata.metadata),
          preconditions: preconditionsOf(query),
          chunks: [],
          size: 0,
          crc: 0,
          result: null,
        };
        sessions.set(session.id, session);
        return send(200, undefined, { Location: sessionUrl(session) });
      }
      case "uploads.put": {
        const session = sessions.get(query.upload_id ?? "");
        if (!session) throw new GcsError(404, "notFound", "No such upload session");
        const range = req.headers["content-range"];
        const outcome = putChunk(session, range, body);
        if (outcome.object) return send(200, resource(outcome.object));
        return send(308, undefined, session.size > 0 ? { Range: `bytes=0-${session.size - 1}` } : {});
      }
      case "uploads.cancel": {
        const session = sessions.get(query.upload_id ?? "");
        if (!session || session.result) throw new GcsError(404, "notFound", "No such upload session");
        sessions.delete(session.id);
        // GCS answers a cancelled session with 499 (Client Closed Request).
        return send(499);
      }
    }
  };

  const server = createServer((req, res) => {
    const parsed = new URL(req.url ?? "/", "http://localhost");
    const query = Object.fromEntries(parsed.searchParams);
    const method = req.method ?? "GET";
    const matched = route(method, parsed.pathname, query);
    const record = (status: number, bodyBytes: number) => {
      const entry: RecordedRequest = {
        method,
        path: parsed.pathname,
        query,
        route: matched?.[0] ?? "unknown",
        status,
        contentRange: req.headers["content-range"],
        bodyBytes,
        authorized: req.headers.authorization !== undefined,
      };
      requests.push(entry);
      options.log?.(`${method} ${parsed.pathname} ${entry.route} ${status}`);
    };
    const fail = (error: GcsError) => {
      const text = JSON.stringify({
        error: {
          code: error.status,
          message: error.message,
          errors: [{ message: error.message, domain: "global", reason: error.reason }],
        },
      });
      res.writeHead(error.status, {
        "Content-Type": "application/json; charset=UTF-8",
        "Content-Length": Buffer.byteLength(text),
      });
      res.end(text);
      return error.status;
    };
    readBody(req)
      .then(async (body) => {
        let status: number;
        try {
          const auth = req.headers.authorization;
          if (auth !== undefined && !/^Bearer \S+$/.test(auth))
            throw new GcsError(401, "required", "Anonymous caller does not have storage access.");
          if (!matched) throw new GcsError(404, "notFound", `Not Found: ${method} ${parsed.pathname}`);
          const fault = faults.find((f) => f.route === matched[0]);
          if (fault && --fault.left === 0) {
            faults.splice(faults.indexOf(fault), 1);
            throw new GcsError(fault.status, "backendError", "Backend Error");
          }
          status = await handle(matched[0], matched[1], req, res, query, body);
        } catch (error) {
          status = fail(
            error instanceof GcsError
              ? error
              : new GcsError(500, "backendError", String((error as Error)?.message ?? error)),
          );
        }
        record(status, body.length);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        record(500, 0);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  url = `http://${address.address.includes(":") ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    url,
    requests,
    objects: () => [...objects.values()],
    openSessions: () => [...sessions.values()].filter((s) => !s.result).length,
    createBucket: (name) => void buckets.add(name),
    failRequest: (route, n, status) => void faults.push({ route, left: n, status }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
