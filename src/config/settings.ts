import { readFileSync } from "node:fs";
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
  /** Why a key can be required, appended to that message. */
  requiredContext?: string;
}

const compiled = new Map<
  string,
  { validate: ValidateFunction; properties: Record<string, { type?: string }> }
>();

function compile(file: string) {
  let entry = compiled.get(file);
  if (!entry) {
    const schema = readSchema(file);
    entry = {
      validate: createAjv({ useDefaults: true }).compile(schema),
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

/** Files in order (later override earlier), then environment variables; returns the merged object and where each key came from. */
export function mergeSettingsSources(
  schema: SettingsSchema,
  files: readonly string[],
  env: NodeJS.ProcessEnv,
): { merged: Record<string, unknown>; sourceOf: (key: string) => string } {
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
  return { merged, sourceOf: (key) => source.get(key) ?? schema.label.toLowerCase() };
}

/**
 * Validates settings against their JSON Schema (defaults applied; null means "not set"), and
 * throws one ConfigError naming every bad key and where it came from.
 */
export function validateSettings<T>(
  schema: SettingsSchema,
  input: Record<string, unknown>,
  sourceOf: (key: string) => string,
): T {
  const { validate } = compile(schema.file);
  const raw = Object.fromEntries(Object.entries(structuredClone(input)).filter(([, v]) => v !== null));
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
      if (error.keyword === "additionalProperties")
        return `'${key}' is not a setting of ${schema.subject}${where}`;
      if (error.keyword === "required") return `'${key}' is required${schema.requiredContext ?? ""}${where}`;
      return `'${path}' ${describeSchemaError(error)}${where}`;
    });
    throw new ConfigError(`${schema.label} is invalid: ${[...new Set(problems)].join("; ")}. ${schema.hint}`);
  }
  return raw as T;
}
