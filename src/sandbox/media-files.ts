import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/** Parses a single-range `Range: bytes=…` header. Null: serve the whole file. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multiple ranges or other units: a server may ignore Range and send the whole file (RFC 9110 §14.2).
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** Serves a file from memory with HTTP Range support, as S3 does for a pre-signed GET. */
export function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  bytes: Buffer,
  contentType: string,
): void {
  const etag = `"${createHash("md5").update(bytes).digest("hex")}"`;
  const common = {
    "Accept-Ranges": "bytes",
    "Content-Type": contentType,
    ETag: etag,
    "Last-Modified": "Mon, 01 Jun 2026 00:00:00 GMT",
    "Cache-Control": "private, no-store",
  };
  const range = parseRange(req.headers.range, bytes.length);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...common, "Content-Range": `bytes */${bytes.length}`, "Content-Length": 0 });
    res.end();
    return;
  }
  const ifRange = req.headers["if-range"];
  if (range && (!ifRange || ifRange === etag)) {
    res.writeHead(206, {
      ...common,
      "Content-Range": `bytes ${range.start}-${range.end}/${bytes.length}`,
      "Content-Length": range.end - range.start + 1,
    });
    res.end(req.method === "HEAD" ? undefined : bytes.subarray(range.start, range.end + 1));
    return;
  }
  res.writeHead(200, { ...common, "Content-Length": bytes.length });
  res.end(req.method === "HEAD" ? undefined : bytes);
}
