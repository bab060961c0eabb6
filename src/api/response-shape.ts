import { ApiResponseError } from "../errors.js";
import type { Endpoint } from "./endpoints.js";

/**
 * Checks of a 200 body's shape. A field the tap cannot read at all fails with the endpoint and
 * the field named; everything the vendor's sources allow is accepted (see the readers in src/api).
 */

function describeValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

export function shapeError(
  endpoint: Endpoint,
  field: string,
  expected: string,
  value: unknown,
): ApiResponseError {
  return new ApiResponseError(
    `GET ${endpoint.template} answered with an unexpected shape: '${field}' should be ${expected} but is ${describeValue(value)}.`,
    endpoint.template,
    field,
  );
}

export function expectArray(value: unknown, endpoint: Endpoint, field: string): unknown[] {
  if (!Array.isArray(value)) throw shapeError(endpoint, field, "an array", value);
  return value;
}

export function expectObject(value: unknown, endpoint: Endpoint, field: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw shapeError(endpoint, field, "an object", value);
  return value as Record<string, unknown>;
}

export function expectString(value: unknown, endpoint: Endpoint, field: string): string {
  if (typeof value !== "string" || value === "")
    throw shapeError(endpoint, field, "a non-empty string", value);
  return value;
}

export function expectNumber(value: unknown, endpoint: Endpoint, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw shapeError(endpoint, field, "a number", value);
  return value;
}

/** A string, or null when absent or null; anything else is a shape error. */
export function optionalString(value: unknown, endpoint: Endpoint, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw shapeError(endpoint, field, "a string or null", value);
  return value;
}
