import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { fullFormats } from "ajv-formats/dist/formats.js";

// ajv-formats is CommonJS; under NodeNext its default export arrives as the module object.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** The package's schemas/ folder, from src/ (tsx) and dist/ (built) alike. */
export const SCHEMAS_DIR = new URL("../../schemas/", import.meta.url);

export function readSchema(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SCHEMAS_DIR), "utf8")) as Record<string, unknown>;
}

/** One ajv instance for the whole program, with formats (uri, date-time, uuid). */
export function createAjv(options: { useDefaults?: boolean; allErrors?: boolean } = {}): Ajv {
  const ajv = new Ajv({
    allErrors: options.allErrors ?? true,
    strict: false,
    useDefaults: options.useDefaults ?? false,
  });
  addFormats(ajv);
  ajv.addFormat("date-time", { validate: fastDateTime, compare: DATE_TIME.compare });
  return ajv;
}

const DATE_TIME = fullFormats["date-time"] as {
  validate: (s: string) => boolean;
  compare: (a: string, b: string) => number | undefined;
};
/** The form taps write, with every field in range but the day of the month. */
const COMMON_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;
const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ajv-formats' date-time, answering the common form with one regex and a day check (its own
 * check splits the text and runs two more, a tenth of a load's time); anything else goes to it.
 */
function fastDateTime(text: string): boolean {
  const m = COMMON_DATE_TIME.exec(text);
  if (!m) return DATE_TIME.validate(text);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number))
  );
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

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  array: "an array",
  object: "an object",
  null: "null",
};

/** A short English reason for one ajv error (without the location). */
export function describeSchemaError(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "additionalProperties":
      return `is not a known key ('${String(p.additionalProperty)}')`;
    case "required":
      return `is required ('${String(p.missingProperty)}')`;
    case "type":
      return `must be ${TYPE_WORDS[String(p.type)] ?? `of type ${String(p.type)}`}`;
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
      return String(p.pattern) === "^https?://"
        ? "must start with http:// or https://"
        : `must match the pattern ${String(p.pattern)}`;
    default:
      return error.message ?? "is invalid";
  }
}
