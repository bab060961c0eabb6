/**
 * The parts of a multipart/related body, as Google's clients send uploads (`uploadType=multipart`:
 * `--B\r\nContent-Type: application/json\r\n\r\n{metadata}\r\n--B\r\nContent-Type: …\r\n\r\n<data>\r\n--B--`),
 * each without its headers. Null when the Content-Type names no boundary. Shared by the local
 * BigQuery and GCS servers, which answer a malformed body in their own errors.
 */
export function multipartParts(body: Buffer, contentType: string): Buffer[] | null {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start, next);
    let content = part.subarray(part.indexOf("\r\n\r\n") + 4);
    if (content.subarray(-2).toString() === "\r\n") content = content.subarray(0, -2);
    parts.push(content);
    at = next;
  }
  return parts;
}
