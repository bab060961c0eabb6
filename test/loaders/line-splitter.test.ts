import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { LineSplitter, readLines } from "../../src/loaders/core/line-splitter.js";

const text = (lines: Buffer[]) => lines.map((l) => l.toString("utf8"));

describe("splitting Singer input into lines", () => {
  it("returns complete lines and carries a partial one into the next chunk", () => {
    const splitter = new LineSplitter();
    expect(text(splitter.push(Buffer.from('{"a":1}\n{"b"')))).toEqual(['{"a":1}']);
    expect(text(splitter.push(Buffer.from(":2}\n")))).toEqual(['{"b":2}']);
    expect(text(splitter.end())).toEqual([]);
  });

  it("drops the carriage return of CRLF line ends and keeps a last line without a newline", () => {
    const splitter = new LineSplitter();
    expect(text(splitter.push(Buffer.from("one\r\ntwo\r\nthr")))).toEqual(["one", "two"]);
    expect(text(splitter.end())).toEqual(["thr"]);
  });

  it("keeps empty lines (the core skips them) and splits a multi-byte character across chunks intact", () => {
    const bytes = Buffer.from("é\n\nZoë\n");
    const splitter = new LineSplitter();
    const lines = [
      ...splitter.push(bytes.subarray(0, 6)),
      ...splitter.push(bytes.subarray(6)),
      ...splitter.end(),
    ];
    expect(text(lines)).toEqual(["é", "", "Zoë"]);
  });

  it("reads a stream a chunk at a time, whatever the chunk boundaries", async () => {
    const input = Array.from({ length: 500 }, (_, i) => JSON.stringify({ i, s: "x".repeat(i % 37) })).join(
      "\n",
    );
    const bytes = Buffer.from(input);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 97) chunks.push(bytes.subarray(at, at + 97));
    const lines: string[] = [];
    for await (const batch of readLines(Readable.from(chunks))) lines.push(...text(batch));
    expect(lines).toEqual(input.split("\n"));
  });
});
