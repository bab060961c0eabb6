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

type Rule = [RegExp, string | ((match: string, ...groups: string[]) => string)];

/** Where the word holding `offset` starts (after the last whitespace or quote before it). */
function wordBefore(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && !/[\s"'<>()]/.test(text[start - 1] as string)) start -= 1;
  return text.slice(start, offset);
}

const PATTERNS: ReadonlyArray<Rule> = [
  // Bearer and Basic credentials in headers or messages.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [REDACTED]"],
  // JWTs: three base64url segments, the first starting with eyJ ({").
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g, "[REDACTED-JWT]"],
  // Secret-named fields in JSON, form bodies, query strings or key=value text. A name that
  // ends a URL's path ("…/v1/token: the endpoint could not be reached") is a path, not a field.
  [
    /("?(?:client_secret|access_token|refresh_token|id_token|password|private_key|secret|token)"?\s*[:=]\s*"?)([^"&\s,}]+)/gi,
    (match, name: string, _value: string, offset: unknown, text: unknown) => {
      const before = wordBefore(text as string, offset as number);
      return /^[a-z][a-z0-9+.-]*:\/\/[^?#]*$/i.test(before) && before.endsWith("/")
        ? match
        : `${name}[REDACTED]`;
    },
  ],
  // Query strings of URLs that carry a signature or credential (S3 pre-signed and similar):
  // only the query string goes; whatever follows the URL stays.
  [
    /(https?:\/\/[^\s"'?<>()]+)\?[^\s"'<>()]*(?:X-Amz-|Signature=|Expires=|sig=|token=|Key-Pair-Id=)[^\s"'<>()]*/gi,
    // A sentence's closing punctuation after the URL is the sentence's, not the query's.
    (match, url: string) => `${url}?[REDACTED]${/[.,;:!]+$/.exec(match)?.[0] ?? ""}`,
  ],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  }
  for (const [pattern, replacement] of PATTERNS)
    out =
      typeof replacement === "string" ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  return out;
}

/** A URL safe to log: origin and path, no query string. */
export function safeUrl(url: string): string {
  const q = url.indexOf("?");
  return redact(q >= 0 ? `${url.slice(0, q)}${url.length > q + 1 ? "?…" : ""}` : url);
}
