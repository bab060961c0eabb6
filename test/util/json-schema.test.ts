import { fullFormats } from "ajv-formats/dist/formats.js";
import { describe, expect, it } from "vitest";
import { createAjv } from "../../src/util/json-schema.js";

describe("the date-time format", () => {
  const validate = createAjv().compile({ type: "string", format: "date-time" });
  const reference = (fullFormats["date-time"] as { validate: (s: string) => boolean }).validate;

  it.each([
    ["2026-05-01T10:00:00Z", true],
    ["2026-05-01T10:00:00.123456+02:00", true],
    ["2024-02-29T10:00:00Z", true],
    ["2000-02-29T00:00:00Z", true],
    ["2026-05-01t10:00:00z", true],
    ["2026-05-01 10:00:00Z", true],
    ["2026-12-31T23:59:60Z", true],
    ["2026-05-01T10:00:00+0200", true],
    ["2026-02-29T10:00:00Z", false],
    ["1900-02-29T00:00:00Z", false],
    ["2026-04-31T00:00:00Z", false],
    ["2026-05-00T10:00:00Z", false],
    ["2026-13-01T00:00:00Z", false],
    ["2026-05-01T24:00:00Z", false],
    ["2026-05-01T10:00:00+24:00", false],
    ["2026-05-01T10:00:00", false],
    ["2026-05-01", false],
  ])("judges %s as ajv-formats does (%s), through its fast path or not", (text, valid) => {
    expect(validate(text)).toBe(valid);
    expect(reference(text)).toBe(valid);
  });
});
