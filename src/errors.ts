/**
 * Errors grouped by what the caller should do about them, each with a stable code. `message`
 * is the one paragraph a user sees; it never holds a secret. `detail` is for debug logs.
 */
export abstract class TapError extends Error {
  abstract readonly code: string;
  /** Process exit code when this error ends a run. */
  readonly exitCode: number = 1;

  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad configuration, catalog or state: the user must fix an input. */
export class ConfigError extends TapError {
  readonly code = "CONFIG_INVALID";
  override readonly exitCode = 2;
}

/** Credentials were refused or a token could not be had: the user must fix credentials. */
export class AuthError extends TapError {
  readonly code: "AUTH_FAILED" | "TOKEN_EXPIRED";

  constructor(message: string, code: "AUTH_FAILED" | "TOKEN_EXPIRED" = "AUTH_FAILED", detail?: string) {
    super(message, detail);
    this.code = code;
  }
}

/** The API answered with an error status that retrying will not fix, or retries ran out. */
export class ApiError extends TapError {
  readonly code = "API_ERROR";

  constructor(
    message: string,
    readonly endpoint: string,
    readonly status: number | null,
    detail?: string,
  ) {
    super(message, detail);
  }
}

/** The API answered 200 with a body of a shape we cannot use. */
export class ApiResponseError extends TapError {
  readonly code = "API_RESPONSE_INVALID";

  constructor(
    message: string,
    readonly endpoint: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** stdout was closed under us: the target (or whatever reads the tap) stopped. */
export class OutputClosedError extends TapError {
  readonly code = "OUTPUT_CLOSED";
}
