import { gunzipSync } from "node:zlib";
import { BigQueryError } from "./bigquery-error.js";

/**
 * A multipart/related upload body (what teeny-request builds for `uploadType=multipart`:
 * `--B\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--B\r\nContent-Type: …\r\n\r\n<data>\r\n--B--`).
 */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): { metadata: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new BigQueryError("badRequest", "Multipart upload without a boundary");
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    parts.push(body.subarray(start, next));
    at = next;
  }
  const [meta, data] = parts.map((part) => {
    const headerEnd = part.indexOf("\r\n\r\n");
    let content = part.subarray(headerEnd + 4);
    if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
    return content;
  });
  if (!meta || !data)
    throw new BigQueryError("badRequest", "Multipart upload needs a metadata part and a media part");
  return { metadata: JSON.parse(meta.toString("utf8")) as Record<string, unknown>, data };
}

/** The media as text: gzip is recognised by its magic bytes (BigQuery reads gzip-compressed NDJSON too). */
export function mediaText(data: Buffer): string {
  const gzipped = data[0] === 0x1f && data[1] === 0x8b;
  return (gzipped ? gunzipSync(data) : data).toString("utf8");
}
