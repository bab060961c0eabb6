import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { registerSecret } from "../../auth/redact.js";
import { ConfigError } from "../../errors.js";
import type { Logger } from "../../log/logger.js";
import type { MediaStorage } from "../media-storage.js";

/** Where media go when `media_storage` is not set, resolved against the working directory. */
export const DEFAULT_MEDIA_STORAGE = "./usertesting-media";

/**
 * The media storage settings, as config.schema.json names them. Each S3 setting matters only for
 * an `s3://` destination, each GCS one only for `gs://`.
 */
export interface MediaStorageSettings {
  /**
   * Where downloaded media go: a folder (a path, relative to the working directory, or a
   * `file:///` URL), `s3://bucket/prefix` or `gs://bucket/prefix` (the prefix is optional).
   * @default "./usertesting-media"
   */
  media_storage?: string | null;
  /** An S3-compatible store's endpoint (MinIO, Ceph, R2, …), e.g. `http://127.0.0.1:9000`; AWS S3's by default. @default null */
  s3_endpoint?: string | null;
  /** Path-style URLs (`<endpoint>/<bucket>/<key>`), which most S3-compatible stores need. @default false */
  s3_force_path_style?: boolean | null;
  /** The bucket's region; the SDK's (AWS_REGION, the profile) by default, `us-east-1` with an s3_endpoint. @default null */
  s3_region?: string | null;
  /** With s3_secret_access_key: static keys. Without both: the SDK's default credential chain (environment, profile, SSO, instance or task role). @default null */
  s3_access_key_id?: string | null;
  /** Secret (never logged). @default null */
  s3_secret_access_key?: string | null;
  /** Secret (never logged): the session token of temporary keys. @default null */
  s3_session_token?: string | null;
  /** Another GCS JSON API root (a local emulator); Google's by default. Without credentials, requests go unauthenticated. @default null */
  gcs_api_endpoint?: string | null;
  /** The project to bill and to name in requests; the credentials' by default. @default null */
  gcs_project?: string | null;
  /** A service account key file. Without it and gcs_credentials_json: application default credentials. @default null */
  gcs_credentials_path?: string | null;
  /** Secret (never logged): the key file's content instead of gcs_credentials_path. @default null */
  gcs_credentials_json?: string | null;
}

/** A parsed `media_storage`: a folder, or a bucket and a prefix (`""`, or ending in `/`). */
export type StorageUrl =
  | { kind: "local"; root: string; description: string }
  | { kind: "s3" | "gcs"; bucket: string; prefix: string; description: string };

const ACCEPTED =
  "a folder (a path or file:///path; ./usertesting-media by default), s3://bucket/prefix or gs://bucket/prefix";
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
/** Lenient on purpose (the store has the last word): old S3 buckets may hold capitals and underscores. */
const BUCKET = /^[A-Za-z0-9][A-Za-z0-9._-]{1,253}[A-Za-z0-9]$/;

function invalid(value: string, reason: string): ConfigError {
  // Never echo user:password@ (a URL's credentials).
  const shown = value.replace(/\/\/[^/@]*@/, "//…@");
  return new ConfigError(
    `The setting 'media_storage' (${JSON.stringify(shown)}) ${reason}: give ${ACCEPTED}.`,
  );
}

/** Parses the `media_storage` setting; a relative folder is resolved against `cwd`. */
export function parseStorageUrl(value: string | null | undefined, cwd: string = process.cwd()): StorageUrl {
  const text = value ?? DEFAULT_MEDIA_STORAGE;
  if (text.trim() === "") throw invalid(text, "is empty");
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === "file") {
    let root: string;
    try {
      root = fileURLToPath(text);
    } catch {
      throw invalid(text, "is not a local file:/// URL");
    }
    return { kind: "local", root, description: root };
  }
  if (scheme === "s3" || scheme === "gs") return bucketUrl(text, scheme === "s3" ? "s3" : "gcs");
  if (scheme)
    throw invalid(
      text,
      `has the scheme ${scheme}:, which is not one of file:, s3: and gs:${scheme === "gcs" ? " (for Cloud Storage, write gs://)" : ""}`,
    );
  if (text.startsWith("~")) throw invalid(text, "starts with ~, which is not expanded");
  const root = isAbsolute(text) ? resolve(text) : resolve(cwd, text);
  return { kind: "local", root, description: root };
}

function bucketUrl(text: string, kind: "s3" | "gcs"): StorageUrl {
  const match = /^[a-z0-9]+:\/\/([^/]*)(\/.*)?$/i.exec(text);
  if (!match) throw invalid(text, "has no bucket after the scheme");
  const bucket = match[1] ?? "";
  const path = match[2] ?? "";
  if (bucket.includes("@")) throw invalid(text, "holds credentials, which belong in their own settings");
  if (/[?#]/.test(text)) throw invalid(text, "has a query or fragment");
  if (!BUCKET.test(bucket))
    throw invalid(text, `names the bucket ${JSON.stringify(bucket)}, which is not a bucket name`);
  const segments = path
    .split("/")
    .filter((segment, i, all) => !(i === 0 || (i === all.length - 1 && segment === "")));
  const odd = (s: string) => s.includes("\\") || [...s].some((c) => c.charCodeAt(0) < 0x20);
  if (segments.some((s) => s === "" || s === "." || s === ".." || odd(s)))
    throw invalid(
      text,
      "has an empty, '.' or '..' segment, a backslash or a control character in its prefix",
    );
  const prefix = segments.length ? `${segments.join("/")}/` : "";
  const scheme = kind === "s3" ? "s3" : "gs";
  return {
    kind,
    bucket,
    prefix,
    description: `${scheme}://${bucket}${prefix ? `/${prefix.slice(0, -1)}` : ""}`,
  };
}

const S3_SETTINGS = [
  "s3_endpoint",
  "s3_force_path_style",
  "s3_region",
  "s3_access_key_id",
  "s3_secret_access_key",
  "s3_session_token",
] as const;
const GCS_SETTINGS = [
  "gcs_api_endpoint",
  "gcs_project",
  "gcs_credentials_path",
  "gcs_credentials_json",
] as const;

/** Every setting openStorage reads: the tap's configuration hands these over as they are. */
export const STORAGE_SETTINGS = ["media_storage", ...S3_SETTINGS, ...GCS_SETTINGS] as const;

/**
 * The MediaStorage that `media_storage` names, its client made from the other settings (each
 * SDK is loaded only when used). Secrets are registered for redaction first. Settings for another
 * kind of store are ignored, with a warning.
 */
export async function openStorage(
  settings: MediaStorageSettings,
  logger: Logger,
  cwd: string = process.cwd(),
): Promise<MediaStorage> {
  registerSecret(settings.s3_secret_access_key);
  registerSecret(settings.s3_session_token);
  registerSecret(settings.gcs_credentials_json);
  const url = parseStorageUrl(settings.media_storage, cwd);
  const unused = [
    ...(url.kind === "s3" ? [] : S3_SETTINGS),
    ...(url.kind === "gcs" ? [] : GCS_SETTINGS),
  ].filter((name) => settings[name] !== undefined && settings[name] !== null && settings[name] !== false);
  if (unused.length)
    logger.warn(`Media go to ${url.description}, so these settings are not used: ${unused.join(", ")}.`);
  switch (url.kind) {
    case "local": {
      const { LocalStorage } = await import("./local-storage.js");
      return new LocalStorage(url.root, logger);
    }
    case "s3": {
      const { createS3Storage } = await import("./s3-storage.js");
      return createS3Storage(url, settings, logger);
    }
    case "gcs": {
      const { createGcsStorage } = await import("./gcs-storage.js");
      return createGcsStorage(url, settings, logger);
    }
  }
}
