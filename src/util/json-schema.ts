import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** The package's schemas/ folder, from src/ (tsx) and dist/ (built) alike. */
export const SCHEMAS_DIR = new URL("../../schemas/", import.meta.url);

export function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SCHEMAS_DIR), "utf8")) as Record<string, unknown>;
}

/** One ajv instance for the whole program, with formats (uri, date-time, uuid). */
export function createAjv(options: { useDefaults?: boolean } = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: options.useDefaults ?? false });
  addFormats(ajv);
  return ajv;
}

export type { ErrorObject, ValidateFunction };

/** "/workspace_ids/0" → "workspace_ids[0]"; the root → "". */
export function jsonPointerToPath(pointer: string): string {
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), "");
}

/** A short English reason for one ajv error (without the location). */
export function describeSchemaError(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return `is not a known key ('${String(p.additionalProperty)}')`;
    case "required":
      return `is required ('${String(p.missingProperty)}')`;
    case "type":
      return `must be ${String(p.type) === "integer" ? "a whole number" : `of type ${String(p.type)}`}`;
    case "format":
      return `must be a valid ${String(p.format)}`;
    case "minimum":
    case "maximum":
      return `must be ${error.keyword === "minimum" ? "at least" : "at most"} ${String(p.limit)}`;
    case "minLength":
      return "must not be empty";
    case "uniqueItems":
      return "must not repeat an item";
    case "pattern":
      return "must start with http:// or https://";
    default:
      return error.message ?? "is invalid";
  }
}
