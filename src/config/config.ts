import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { STORAGE_SETTINGS } from "../media/storage/storage-url.js";
import {
  inMemorySources,
  mergeSettingsSources,
  type SettingsSchema,
  type SettingsSources,
  validateSettings,
} from "./settings.js";

export const DEFAULT_TOKEN_URL = "https://auth.usertesting.com/oauth2/aus1p3vtd8vtm4Bxv0h8/v1/token";
export const DEFAULT_API_URL = "https://api.use2.usertesting.com";
export const ENV_PREFIX = "TAP_USERTESTING_";

/** The connector's settings after validation, with defaults applied. */
export interface TapConfig {
  credentials:
    | { kind: "client_credentials"; clientId: string; clientSecret: string }
    | { kind: "static"; accessToken: string };
  tokenUrl: string;
  apiUrl: string;
  workspaceIds: string[] | null;
  testIds: string[] | null;
  startDate: string | null;
  /** @default 10 */
  requestsPerMinute: number;
  /** @default 3 */
  maxConcurrency: number;
  userAgent: string;
  media: MediaConfig;
  /** Past this many ms no new test is started (max_run_minutes); null: no budget. */
  maxRunMs: number | null;
  /** Tests with no new session for this many days are listed weekly; null: every run. */
  revisitInactiveTestsDays: number | null;
  transcriptChunks: TranscriptChunking;
}

/** How the transcript_chunks stream cuts a transcript. */
export interface TranscriptChunking {
  /** @default 2000 */
  maxChars: number;
  /** @default 200 */
  overlapChars: number;
}

/** Media settings: which media streams are on without a catalog, where files go, and how. */
export interface MediaConfig {
  streams: Array<"session_videos" | "highlight_reels">;
  /** @default 2 */
  concurrency: number;
  /** How long a reel may take to generate before the next run picks it up. @default 10 minutes */
  reelWaitMs: number;
  /** The storage settings as given (media_storage, s3_*, gcs_*), for openStorage. */
  storage: Record<string, unknown>;
}

interface RawConfig {
  client_id?: string;
  client_secret?: string;
  access_token?: string;
  token_url: string;
  api_url: string;
  workspace_ids?: string[];
  test_ids?: string[];
  start_date?: string;
  requests_per_minute: number;
  max_concurrency: number;
  user_agent?: string;
  media_streams?: Array<"session_videos" | "highlight_reels">;
  media_concurrency: number;
  media_reel_wait_minutes: number;
  max_run_minutes?: number;
  revisit_inactive_tests_days?: number;
  transcript_chunk_chars: number;
  transcript_chunk_overlap_chars: number;
  [storage: string]: unknown;
}

const TAP_SETTINGS: SettingsSchema = {
  file: "config.schema.json",
  envPrefix: ENV_PREFIX,
  label: "The configuration",
  hint: "See config.sample.json and the README's settings table.",
  subject: "this tap",
};

/**
 * Loads the configuration: each file in order (later files override earlier ones), then
 * TAP_USERTESTING_<KEY> environment variables, which override the files. Throws one
 * ConfigError naming every bad key and where it came from.
 */
export function loadConfig(files: readonly string[], env: NodeJS.ProcessEnv = process.env): TapConfig {
  const { merged, sources } = mergeSettingsSources(TAP_SETTINGS, files, env);
  return resolveConfig(merged, sources);
}

/** Validates settings already in memory (the Airbyte front end and tests pass objects). */
export function resolveConfig(
  input: Record<string, unknown>,
  sources: SettingsSources = inMemorySources(),
): TapConfig {
  const raw = validateSettings<RawConfig>(TAP_SETTINGS, input, sources);
  const hasClient = raw.client_id !== undefined;
  if (!hasClient && raw.access_token === undefined) {
    const searched = sources.searched("client_id", "client_secret", "access_token");
    throw new ConfigError(
      `The configuration has no credentials: set client_id and client_secret (OAuth client credentials, refreshed automatically), or access_token (a static token). None was found in ${searched}.`,
    );
  }
  return {
    credentials: hasClient
      ? {
          kind: "client_credentials",
          clientId: raw.client_id as string,
          clientSecret: raw.client_secret as string,
        }
      : { kind: "static", accessToken: raw.access_token as string },
    tokenUrl: raw.token_url,
    apiUrl: raw.api_url.replace(/\/+$/, ""),
    workspaceIds: raw.workspace_ids?.length ? raw.workspace_ids : null,
    testIds: raw.test_ids?.length ? raw.test_ids : null,
    startDate: raw.start_date ?? null,
    requestsPerMinute: raw.requests_per_minute,
    maxConcurrency: raw.max_concurrency,
    userAgent: raw.user_agent ?? `tap-usertesting/${packageVersion()}`,
    media: {
      streams: raw.media_streams ?? [],
      concurrency: raw.media_concurrency,
      reelWaitMs: raw.media_reel_wait_minutes * 60_000,
      storage: Object.fromEntries(
        STORAGE_SETTINGS.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]),
      ),
    },
    maxRunMs: raw.max_run_minutes === undefined ? null : raw.max_run_minutes * 60_000,
    revisitInactiveTestsDays: raw.revisit_inactive_tests_days ?? null,
    transcriptChunks: {
      maxChars: raw.transcript_chunk_chars,
      overlapChars: raw.transcript_chunk_overlap_chars,
    },
  };
}

let version: string | undefined;
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return version;
}
