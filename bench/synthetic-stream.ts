/** The synthetic Singer stream the loader benches load: nested JSON, non-ASCII text, every column type. */
import { createWriteStream } from "node:fs";
import { join } from "node:path";

export const SCHEMA = {
  type: "object",
  properties: {
    id: { type: "integer" },
    session_id: { type: "string" },
    name: { type: ["string", "null"] },
    score: { type: ["number", "null"] },
    count: { type: ["integer", "null"] },
    skipped: { type: ["boolean", "null"] },
    finish_time: { type: ["string", "null"], format: "date-time" },
    answer_json: { type: ["object", "null"] },
    tags: { type: ["array", "null"] },
  },
};

/** Record `i` of the stream: deterministic, so every bench loads the same data. */
export function record(i: number) {
  return {
    id: i,
    session_id: `5bface5c-2878-428a-938f-${String(i).padStart(12, "0")}`,
    name: i % 17 === 0 ? null : `participant ${i} — Zoë`,
    score: (i % 1000) / 7,
    count: i % 97,
    skipped: i % 11 === 0,
    finish_time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    answer_json: {
      selected: ["Pro", "Basic"].slice(0, (i % 2) + 1),
      scale: { min: 1, max: 5, value: i % 5 },
      text: i % 3 ? "fine" : null,
    },
    tags: ["a", `t${i % 10}`],
  };
}

/** `rows` records over `streams` streams, alternating, so every flush holds each stream. */
export async function writeInput(dir: string, rows: number, streams: readonly string[]): Promise<string> {
  const path = join(dir, `input-${rows}-${streams.length}.singer`);
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once("drain", () => resolve()));
  for (const stream of streams)
    await write(`${JSON.stringify({ type: "SCHEMA", stream, schema: SCHEMA, key_properties: ["id"] })}\n`);
  for (let i = 0; i < rows; i++) {
    const stream = streams[i % streams.length];
    await write(
      `${JSON.stringify({ type: "RECORD", stream, record: record(i), time_extracted: "2026-05-01T00:00:00Z" })}\n`,
    );
    if (i % 10_000 === 9_999) await write(`${JSON.stringify({ type: "STATE", value: { at: i } })}\n`);
  }
  await new Promise((resolve) => out.end(resolve));
  return path;
}

/** The one value all share, or null when they differ. */
export function constant(values: readonly number[]): number | null {
  return values.every((v) => v === values[0]) ? (values[0] ?? null) : null;
}

/** 10000 → 10k, 1000000 → 1M. */
export function label(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  return n >= 1e3 && n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
}

export function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
