import { gunzipSync } from "node:zlib";
import { multipartParts } from "../multipart-related.js";
import { BigQueryError } from "./bigquery-error.js";

/**
 * A multipart/related upload body (what teeny-request builds for `uploadType=multipart`:
 * `--B\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--B\r\nContent-Type: …\r\n\r\n<data>\r\n--B--`).
 */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): { metadata: Record<string, unknown>; data: Buffer } {
  const parts = multipartParts(body, contentType);
  if (!parts) throw new BigQueryError("badRequest", "Multipart upload without a boundary");
  const [meta, data] = parts;
  if (!meta || !data)
    throw new BigQueryError("badRequest", "Multipart upload needs a metadata part and a media part");
  return { metadata: JSON.parse(meta.toString("utf8")) as Record<string, unknown>, data };
}

/** The media as text: gzip is recognised by its magic bytes (BigQuery reads gzip-compressed NDJSON too). */
export function mediaText(data: Buffer): string {
  const gzipped = data[0] === 0x1f && data[1] === 0x8b;
  return (gzipped ? gunzipSync(data) : data).toString("utf8");
}
