import type { ServerResponse } from "node:http";

/** Error codes in the vendor's `{code, message}` shape (classify-tests-by-type.txt shows NOT_FOUND). */
export type ApiErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "TOO_MANY_REQUESTS"
  | "INTERNAL_SERVER_ERROR"
  | "SERVICE_UNAVAILABLE";

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: ApiErrorCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { code, message }, headers);
}

export const notFound = (res: ServerResponse): void => sendError(res, 404, "NOT_FOUND", "Resource not found");

export function sendText(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** S3's XML error document, as a pre-signed URL answers when it is refused. */
export function sendS3Error(
  res: ServerResponse,
  code: "AccessDenied" | "SignatureDoesNotMatch",
  message: string,
): void {
  sendText(
    res,
    403,
    "application/xml",
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>SANDBOX</RequestId></Error>`,
  );
}

/** What a gateway in front of the API answers when the service behind it fails. */
export function sendServerFault(res: ServerResponse, status: number, retryAfterSeconds?: number): void {
  const headers: Record<string, string> = retryAfterSeconds
    ? { "Retry-After": String(retryAfterSeconds) }
    : {};
  if (status === 502 || status === 504) {
    const body = `<html>\r\n<head><title>${status} Bad Gateway</title></head>\r\n<body>\r\n<center><h1>${status} Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n`;
    res.writeHead(status, {
      "Content-Type": "text/html",
      "Content-Length": Buffer.byteLength(body),
      ...headers,
    });
    res.end(body);
    return;
  }
  if (status === 503) {
    sendError(res, 503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable", headers);
    return;
  }
  sendError(res, status, "INTERNAL_SERVER_ERROR", "An unexpected error occurred", headers);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string | null | undefined): value is string => !!value && UUID.test(value);
