import { redact } from "../auth/redact.js";
import { ApiError, AuthError, ConfigError, TapError } from "../errors.js";
import type { Failure, FailureType } from "./message-writer.js";

/**
 * Whose move an error is, in Airbyte's terms: the user's (config_error: settings, credentials,
 * catalog, state), nobody's (transient_error: the API's 5xx or rate limit after every retry, a
 * network failure; the next run may pass) or ours (system_error). Messages are redacted.
 */
export function failureOf(error: unknown, stream?: string): Failure {
  const message = redact(error instanceof Error ? error.message : String(error));
  let failureType: FailureType = "system_error";
  if (error instanceof ConfigError || error instanceof AuthError) failureType = "config_error";
  else if (
    error instanceof ApiError &&
    (error.status === null || error.status === 429 || error.status >= 500)
  )
    failureType = "transient_error";
  const internal =
    error instanceof TapError
      ? `${error.code}${error.detail ? `: ${redact(error.detail)}` : ""}`
      : `internal error: ${redact(String((error as Error)?.stack ?? error))}`;
  return {
    message:
      error instanceof TapError ? message : `internal error: ${message}. This is a bug; please report it.`,
    internalMessage: internal,
    failureType,
    ...(stream ? { stream } : {}),
  };
}
