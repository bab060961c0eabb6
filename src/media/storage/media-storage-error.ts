import { TapError } from "../../errors.js";

/**
 * The store refused or could not be reached (a local write failed, S3 or GCS answered an error).
 * `location` names the object; the message names the store's answer, never a credential.
 */
export class MediaStorageError extends TapError {
  readonly code = "MEDIA_STORAGE_FAILED";

  constructor(
    message: string,
    readonly location: string,
    options: { cause?: unknown; detail?: string } = {},
  ) {
    super(message, options.detail);
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/**
 * `commit` was told a size (or sha256) other than what the store received: nothing was kept under
 * the key (the partial bytes are gone too). Download the medium again from the start.
 */
export class MediaIntegrityError extends TapError {
  readonly code = "MEDIA_INTEGRITY_MISMATCH";

  constructor(
    readonly location: string,
    readonly expected: { bytes: number; sha256?: string },
    readonly received: { bytes: number; sha256: string },
  ) {
    const hash = (sha256?: string) => (sha256 ? ` with sha256 ${sha256}` : "");
    super(
      `${location} was not stored: the download was ${expected.bytes} bytes${hash(expected.sha256)}, but the store received ${received.bytes} bytes${expected.sha256 ? hash(received.sha256) : ""}.`,
    );
  }
}

/** A store's error as one phrase: its code or name, its HTTP status, its message. */
export function describeStoreError(error: unknown): string {
  const e = error as {
    name?: string;
    code?: string | number;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const status = e?.$metadata?.httpStatusCode ?? (typeof e?.code === "number" ? e.code : undefined);
  const name = typeof e?.code === "string" ? e.code : e?.name;
  return (
    [name, status ? `HTTP ${status}` : undefined, e?.message].filter(Boolean).join(", ") || String(error)
  );
}
