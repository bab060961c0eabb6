import { describe, expect, it } from "vitest";
import { tableSpecFor } from "../../src/loaders/core/columns.js";
import { RecordBuffer } from "../../src/loaders/core/record-batch.js";
import { DUCKDB_DIALECT } from "../../src/loaders/duckdb/duckdb-dialect.js";

describe("a stream's buffered records, as loaders receive them", () => {
  const spec = tableSpecFor("people", { properties: { id: { type: "integer" } } }, ["id"], DUCKDB_DIALECT);

  it("wraps each line as it arrived with its sequence and arrival time, one NDJSON line per record", () => {
    const buffer = new RecordBuffer();
    const first = '{"type":"RECORD","stream":"people","record":{"id":1,"name":"Zoë 😀"}}';
    const second = ' {"type": "RECORD", "stream": "people", "record": {"id": 2}} ';
    buffer.add(Buffer.from(first), 1001, "2026-05-01T00:00:00.001Z", 7);
    buffer.add(Buffer.from(second), 1002, "2026-05-01T00:00:00.001Z", 9);
    const batch = buffer.take(spec, "2026-05-01T00:00:01.000Z");
    expect(batch.rows).toBe(2);
    expect(batch.inputLines).toEqual([7, 9]);
    expect(batch.batchedAt).toBe("2026-05-01T00:00:01.000Z");
    const lines = batch.ndjson.toString("utf8").split("\n");
    expect(lines).toEqual([
      `{"q":1001,"r":"2026-05-01T00:00:00.001Z","m":${first}}`,
      `{"q":1002,"r":"2026-05-01T00:00:00.001Z","m":${second}}`,
      "",
    ]);
    expect(JSON.parse(lines[0] as string).m.record.name).toBe("Zoë 😀");
    expect(batch.largestLine).toBeGreaterThanOrEqual(Buffer.byteLength(lines[0] as string));
  });

  it("is empty after a take, ready for the next batch", () => {
    const buffer = new RecordBuffer();
    buffer.add(Buffer.from('{"record":{"id":1}}'), 1, "2026-05-01T00:00:00.000Z", 1);
    buffer.take(spec, "2026-05-01T00:00:01.000Z");
    expect(buffer.rows).toBe(0);
    expect(buffer.take(spec, "2026-05-01T00:00:02.000Z").ndjson.length).toBe(0);
  });
});
