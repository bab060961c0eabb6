import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.js";
import { createAjv, describeSchemaError, jsonPointerToPath, readSchema } from "../util/json-schema.js";

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
}

const schema = readSchema("config.schema.json");
const properties = schema.properties as Record<string, { type?: string }>;
const validate = createAjv({ useDefaults: true }).compile<RawConfig>(schema);

/** Reads one environment value as the type the schema wants, leaving mistakes for the schema to name. */
function fromEnv(key: string, raw: string): unknown {
  const type = properties[key]?.type;
  if (type === "array") {
    if (raw.trim().startsWith("[")) {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    }
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (type === "integer" && /^\s*-?\d+\s*$/.test(raw)) return Number(raw);
  return raw;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `Config file ${path} does not exist.`
        : `Config file ${path} cannot be read (${code ?? "error"}).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(
      `Config file ${path} must hold a JSON object of settings, such as config.sample.json.`,
    );
  }
  return parsed as Record<string, unknown>;
}

/**
 * Loads the configuration: each file in order (later files override earlier ones), then
 * TAP_USERTESTING_<KEY> environment variables, which override the files. Throws one
 * ConfigError naming every bad key and where it came from.
 */
export function loadConfig(files: readonly string[], env: NodeJS.ProcessEnv = process.env): TapConfig {
  const merged: Record<string, unknown> = {};
  const source = new Map<string, string>();
  for (const file of files) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      merged[key] = value;
      source.set(key, file);
    }
  }
  for (const key of Object.keys(properties)) {
    const raw = env[`${ENV_PREFIX}${key.toUpperCase()}`];
    if (raw !== undefined && raw !== "") {
      merged[key] = fromEnv(key, raw);
      source.set(key, `environment variable ${ENV_PREFIX}${key.toUpperCase()}`);
    }
  }
  return resolveConfig(merged, (key) => source.get(key) ?? "the configuration");
}

/** Validates settings already in memory (the Airbyte front end and tests pass objects). */
export function resolveConfig(
  input: Record<string, unknown>,
  sourceOf: (key: string) => string = () => "the configuration",
): TapConfig {
  // null means "not set", so a sample config can list every key.
  const raw = Object.fromEntries(
    Object.entries(structuredClone(input)).filter(([, v]) => v !== null),
  ) as unknown as RawConfig;
  if (!validate(raw)) {
    const problems = (validate.errors ?? []).map((error) => {
      const path = jsonPointerToPath(error.instancePath);
      const key =
        error.keyword === "additionalProperties"
          ? String((error.params as { additionalProperty: string }).additionalProperty)
          : error.keyword === "required"
            ? String((error.params as { missingProperty: string }).missingProperty)
            : (path.split(/[.[]/)[0] ?? "");
      const where = key ? ` (from ${sourceOf(key)})` : "";
      if (error.keyword === "additionalProperties") return `'${key}' is not a setting of this tap${where}`;
      if (error.keyword === "required")
        return `'${key}' is required when client_id or client_secret is set${where}`;
      return `'${path}' ${describeSchemaError(error)}${where}`;
    });
    const unique = [...new Set(problems)];
    throw new ConfigError(
      `The configuration is invalid: ${unique.join("; ")}. See config.sample.json and the README's settings table.`,
    );
  }
  const hasClient = raw.client_id !== undefined;
  if (!hasClient && raw.access_token === undefined) {
    throw new ConfigError(
      "The configuration has no credentials: set client_id and client_secret (OAuth client credentials, refreshed automatically), or access_token (a static token).",
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
  };
}

let version: string | undefined;
export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
  ).version;
  return version;
}
