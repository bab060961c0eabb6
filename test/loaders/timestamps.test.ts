import { describe, expect, it } from "vitest";
import { castableTimestamp, isCastableTimestamp } from "../../src/loaders/core/timestamps.js";

describe("timestamps as every loader reads them", () => {
  it("passes the RFC 3339 forms warehouses read exactly through untouched, zone and digits kept", () => {
    for (const text of [
      "2026-05-01T10:00:00Z",
      "2026-05-01T10:00:00.123456Z",
      "2026-05-01T10:00:00.5+02:00",
    ]) {
      expect(isCastableTimestamp(text)).toBe(true);
      expect(castableTimestamp(text)).toBe(text);
    }
  });

  it("rewrites the other RFC 3339 forms as the same instant in UTC with microseconds", () => {
    expect(castableTimestamp("2026-05-01t10:00:00.25z")).toBe("2026-05-01T10:00:00.250000Z");
    expect(castableTimestamp("2026-05-01 12:00:00+0200")).toBe("2026-05-01T10:00:00.000000Z");
    expect(castableTimestamp("1969-12-31t23:59:59.5z")).toBe("1969-12-31T23:59:59.500000Z");
    expect(isCastableTimestamp("2026-05-01 12:00:00+0200")).toBe(false);
  });

  it("says when text is no timestamp at all", () => {
    expect(castableTimestamp("yesterday")).toBeNull();
    expect(isCastableTimestamp("2026-05-01")).toBe(false);
  });
});
