import { describe, expect, it } from "vitest";
import { LoaderError } from "../../src/loaders/core/target-errors.js";
import { stagingTimestamp, toStagingValue } from "../../src/loaders/duckdb/duckdb-types.js";

describe("values handed to DuckDB's staging table", () => {
  it("passes RFC 3339 timestamps DuckDB casts exactly through untouched, zone and digits kept", () => {
    for (const text of ["2026-05-01T10:00:00Z", "2026-05-01T10:00:00.123456Z", "2026-05-01T10:00:00.5+02:00"])
      expect(stagingTimestamp(text)).toBe(text);
  });

  it("rewrites the other RFC 3339 forms as UTC with microseconds", () => {
    expect(stagingTimestamp("2026-05-01t10:00:00.25z")).toBe("2026-05-01T10:00:00.250000Z");
    expect(stagingTimestamp("2026-05-01 12:00:00+0200")).toBe("2026-05-01T10:00:00.000000Z");
    expect(stagingTimestamp("1969-12-31t23:59:59.5z")).toBe("1969-12-31T23:59:59.500000Z");
  });

  it("refuses text that is no timestamp, naming it", () => {
    expect(() => stagingTimestamp("yesterday")).toThrow(LoaderError);
    expect(() => stagingTimestamp("yesterday")).toThrow("'YESTERDAY' is not a timestamp");
  });

  it("stages integers as numbers and nested values as JSON text", () => {
    expect(toStagingValue("integer", 42)).toBe(42);
    expect(toStagingValue("json", { a: [1, null] })).toBe('{"a":[1,null]}');
    expect(toStagingValue("string", { a: 1 })).toBe('{"a":1}');
    expect(toStagingValue("timestamp", null)).toBeNull();
  });
});
