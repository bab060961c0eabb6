/**
 * What to do with each outcome of a request, as one table (after the Airbyte CDK's
 * default_error_mapping): retry, fail, answer (404 means "none": a classic test, no
 * transcript, no video, no QX scores), rate-limited, or refresh the token and retry.
 */
export type PolicyAction = "success" | "answer-none" | "retry" | "rate-limited" | "refresh-token" | "fail";

export interface PolicyRule {
  action: PolicyAction;
  /** What a user is told when this ends a run. */
  reason: string;
}

const STATUS_RULES: Record<number, PolicyRule> = {
  400: { action: "fail", reason: "the API refused the request as malformed (400)" },
  401: { action: "refresh-token", reason: "the access token was refused (401)" },
  403: { action: "fail", reason: "access is forbidden for these credentials (403)" },
  404: { action: "answer-none", reason: "not found (404)" },
  408: { action: "retry", reason: "the API timed out (408)" },
  429: { action: "rate-limited", reason: "the rate limit was exceeded (429)" },
};

/** Network-level failures worth another try: drops, resets, timeouts, truncated bodies. */
const RETRYABLE_ERROR_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_STREAM_PREMATURE_CLOSE",
  "UND_ERR_SOCKET",
]);

export function policyForStatus(status: number): PolicyRule {
  if (status >= 200 && status < 300) return { action: "success", reason: "ok" };
  const rule = STATUS_RULES[status];
  if (rule) return rule;
  if (status >= 500) return { action: "retry", reason: `the API had a server error (${status})` };
  return { action: "fail", reason: `the API answered ${status}` };
}

export function policyForNetworkError(code: string | undefined): PolicyRule {
  if (code && RETRYABLE_ERROR_CODES.has(code))
    return { action: "retry", reason: `the connection failed (${code})` };
  return { action: "fail", reason: `the request failed (${code ?? "unknown error"})` };
}
