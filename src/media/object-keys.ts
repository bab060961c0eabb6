import { TapError } from "../errors.js";

/**
 * Where each medium goes inside a store, built only from ids that are UUIDs: a name from the API
 * never reaches a path or an object name. Keys are lower-case (`videos/<uuid>.mp4`,
 * `reels/<testUuid>/<reelUuid>.mp4`), so an id sent in upper case one day and lower case the next
 * is one object, also on file systems that ignore case.
 */

/** 8-4-4-4-12 hex digits, either case, and nothing else (no braces, no urn:uuid:, no whitespace). */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** An id the API gave for a medium is not a UUID: nothing is written for it. */
export class MediaIdError extends TapError {
  readonly code = "MEDIA_ID_INVALID";

  constructor(
    /** Which id: `sessionId`, `testId` or `reelId`. */
    readonly field: string,
    readonly id: unknown,
  ) {
    super(
      `The ${field} ${describe(id)} is not a UUID, so no file name is made from it and its media are not stored.`,
    );
  }
}

/** A key that could leave its store's folder or prefix: a bug, never data. */
export class MediaKeyError extends TapError {
  readonly code = "MEDIA_KEY_INVALID";

  constructor(readonly key: string) {
    super(`The media key ${describe(key)} is not a relative path of plain segments; nothing is written.`);
  }
}

function describe(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function uuid(field: string, id: unknown): string {
  if (typeof id !== "string" || !UUID.test(id)) throw new MediaIdError(field, id);
  return id.toLowerCase();
}

/** `videos/<sessionId>.mp4` */
export function videoKey(sessionId: string): string {
  return `videos/${uuid("sessionId", sessionId)}.mp4`;
}

/** `reels/<testId>/<reelId>.mp4` */
export function reelKey(testId: string, reelId: string): string {
  return `reels/${uuid("testId", testId)}/${uuid("reelId", reelId)}.mp4`;
}

/** One path segment: letters, digits, `.`, `_`, `-`; never `.` or `..`. */
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** The local store's own files beside an object (local-storage.ts): no key may end so. */
const RESERVED_SUFFIX = /\.(part|sha256)$/;

/**
 * Checks a key before a store joins it to its folder or prefix, and returns it: relative, `/`
 * between non-empty plain segments, no `.` or `..`, no backslash, no drive letter, at most 512
 * characters, not ending in `.part` or `.sha256`. Every store calls it, so a key that did not come
 * from videoKey or reelKey cannot escape either.
 */
export function checkKey(key: string): string {
  const segments = typeof key === "string" ? key.split("/") : [];
  const plain =
    segments.length > 0 &&
    key.length <= 512 &&
    !RESERVED_SUFFIX.test(key) &&
    segments.every((segment) => SEGMENT.test(segment) && segment !== "." && segment !== "..");
  if (!plain) throw new MediaKeyError(String(key));
  return key;
}
