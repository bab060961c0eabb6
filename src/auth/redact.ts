/**
 * The one redaction function every log line and error message passes through. It removes
 * secrets it has been told about (client secret, every access token issued) and anything that
 * looks like one: bearer credentials, JWTs, secret-named fields, and the query strings of
 * pre-signed URLs (their signatures grant access to media: highlight-reels.txt, "Do not log
 * the full reelUrl").
 */
const known = new Set<string>();

/** Registers a secret value to be removed wherever it appears. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) known.add(value);
}

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Bearer and Basic credentials in headers or messages.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [REDACTED]"],
  // JWTs: three base64url segments, the first starting with eyJ ({").
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, "[REDACTED-JWT]"],
  // Secret-named fields in JSON, form bodies or key=value text.
  [
    /("?(?:client_secret|access_token|refresh_token|id_token|password|private_key|secret|token)"?\s*[:=]\s*"?)([^"&\s,}]+)/gi,
    "$1[REDACTED]",
  ],
  // Query strings of URLs that carry a signature or credential (S3 pre-signed and similar).
  [
    /(https?:\/\/[^\s"'?]+)\?[^\s"']*(?:X-Amz-|Signature=|Expires=|sig=|token=|Key-Pair-Id=)[^\s"']*/gi,
    "$1?[REDACTED]",
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** A URL safe to log: origin and path, no query string. */
export function safeUrl(url: string): string {
  const q = url.indexOf("?");
  return redact(q >= 0 ? `${url.slice(0, q)}${url.length > q + 1 ? "?…" : ""}` : url);
}
