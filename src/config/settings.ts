import { readFileSync } from "node:fs";
import { registerSecret } from "../auth/redact.js";
import { ConfigError } from "../errors.js";
import {
  createAjv,
  describeSchemaError,
  jsonPointerToPath,
  readSchema,
  type ValidateFunction,
} from "../util/json-schema.js";

export interface SettingsSchema {
  /** File under schemas/, e.g. config.schema.json. */
  file: string;
  /** Environment variables `<PREFIX><KEY>` override files, e.g. TAP_USERTESTING_. */
  envPrefix: string;
  /** What the settings are, for messages ("The configuration", "The target configuration"). */
  label: string;
  /** Pointer for the user: "See config.sample.json ...". */
  hint: string;
  /** Whose settings: "this tap", "target-duckdb". */
  subject: string;
}

/** Where each setting came from, and where a missing one was looked for, for messages. */
export interface SettingsSources {
  /** "config.json", "environment variable TAP_USERTESTING_MAX_CONCURRENCY". */
  of(key: string): string;
  /** Where keys that are not set were looked for: "config.json or the environment variable TAP_USERTESTING_CLIENT_SECRET". */
  searched(...keys: string[]): string;
}

/** Settings passed in memory (tests, the demo): there is no file or variable to name. */
export function inMemorySources(label = "the configuration"): SettingsSources {
  return { of: () => label, searched: () => label };
}

const compiled = new Map<
  string,
  {
    validate: ValidateFunction;
    schema: Record<string, unknown>;
    properties: Record<string, { type?: string }>;
  }
>();

function compile(file: string) {
  let entry = compiled.get(file);
  if (!entry) {
    const schema = readSchema(file);
    entry = {
      validate: createAjv({ useDefaults: true }).compile(schema),
      schema,
      properties: schema.properties as Record<string, { type?: string }>,
    };
    compiled.set(file, entry);
  }
  return entry;
}

/** Reads one environment value as the type the schema wants, leaving mistakes for the schema to name. */
function fromEnv(type: string | undefined, raw: string): unknown {
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
  if ((type === "integer" || type === "number") && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  if (type === "boolean" && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === "true";
  return raw;
}

export function readJsonObjectFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `${what} ${path} does not exist.`
        : `${what} ${path} cannot be read (${code ?? "error"}).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what} ${path} is not valid JSON: ${(error as Error).message}.`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`${what} ${path} must hold a JSON object of settings.`);
  }
  return parsed as Record<string, unknown>;
}

/** "a", "a and b", "a, b and c" (or "a, b or c"). */
export function listInWords(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  return items.length <= 1
    ? (items[0] ?? "")
    : `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/** Files in order (later override earlier), then environment variables; returns the merged object and where each key came from. */
export function mergeSettingsSources(
  schema: SettingsSchema,
  files: readonly string[],
  env: NodeJS.ProcessEnv,
): {
  merged: Record<string, unknown>;
  sources: SettingsSources;
  /** @deprecated pass `sources` to validateSettings, which can then say where a missing key was looked for. */
  sourceOf: (key: string) => string;
} {
  const { properties } = compile(schema.file);
  const merged: Record<string, unknown> = {};
  const source = new Map<string, string>();
  for (const file of files) {
    for (const [key, value] of Object.entries(readJsonObjectFile(file, "Config file"))) {
      merged[key] = value;
      source.set(key, file);
    }
  }
  for (const [key, property] of Object.entries(properties)) {
    const name = `${schema.envPrefix}${key.toUpperCase()}`;
    const raw = env[name];
    if (raw !== undefined && raw !== "") {
      merged[key] = fromEnv(property.type, raw);
      source.set(key, `environment variable ${name}`);
    }
  }
  const of = (key: string) => source.get(key) ?? schema.label.toLowerCase();
  return {
    merged,
    sources: {
      of,
      searched: (...keys) => {
        const names = keys.map((key) => `${schema.envPrefix}${key.toUpperCase()}`);
        const variables = `the environment variable${names.length > 1 ? "s" : ""} ${listInWords(names, "or")}`;
        return files.length > 0
          ? listInWords([...files, variables], "or")
          : `${variables} (no config file was given)`;
      },
    },
    sourceOf: of,
  };
}

/** For a `required` inside an if/then of the schema: the keys whose presence made it required. */
function requiredBecause(schema: Record<string, unknown>, schemaPath: string): string[] {
  const match = /^#\/(.*)\/then\/required$/.exec(schemaPath);
  if (!match) return [];
  let node: unknown = schema;
  for (const part of (match[1] as string).split("/"))
    node = (node as Record<string, unknown> | undefined)?.[part];
  const condition = (node as { if?: { required?: unknown } } | undefined)?.if?.required;
  return Array.isArray(condition) ? condition.map(String) : [];
}

/**
 * Validates settings against their JSON Schema (defaults applied; null means "not set"), and
 * throws one ConfigError naming every bad key and where it came from.
 */
export function validateSettings<T>(
  schema: SettingsSchema,
  input: Record<string, unknown>,
  from: SettingsSources | ((key: string) => string),
): T {
  const sources: SettingsSources =
    typeof from === "function" ? { of: from, searched: (key) => from(key ?? "") } : from;
  const { validate, schema: json } = compile(schema.file);
  const raw = Object.fromEntries(Object.entries(structuredClone(input)).filter(([, v]) => v !== null));
  if (!validate(raw)) {
    // An if/then failure comes with the `then` branch's own error, which says it better.
    const problems = (validate.errors ?? [])
      .filter((error) => error.keyword !== "if")
      .map((error) => {
        if (error.keyword === "required") {
          const key = String((error.params as { missingProperty: string }).missingProperty);
          const because = requiredBecause(json, error.schemaPath).filter((k) => k in raw);
          const why = because.length
            ? ` with ${listInWords(because.map((k) => `${k} (from ${sources.of(k)})`))}`
            : "";
          return `'${key}' is needed${why} but was not found in ${sources.searched(key)}`;
        }
        if (error.keyword === "additionalProperties") {
          const key = String((error.params as { additionalProperty: string }).additionalProperty);
          return `'${key}' is not a setting of ${schema.subject} (from ${sources.of(key)})`;
        }
        const path = jsonPointerToPath(error.instancePath);
        const key = path.split(/[.[]/)[0] ?? "";
        return `'${path}' ${describeSchemaError(error)}${key ? ` (from ${sources.of(key)})` : ""}`;
      });
    throw new ConfigError(`${schema.label} is invalid: ${[...new Set(problems)].join("; ")}. ${schema.hint}`);
  }
  // Every secret the schema marks (writeOnly) is removed from messages from here on.
  const properties = (json.properties ?? {}) as Record<string, { writeOnly?: boolean }>;
  for (const [key, value] of Object.entries(raw))
    if (properties[key]?.writeOnly && typeof value === "string") registerSecret(value);
  return raw as T;
}
