/** The synthetic Singer stream the loader benches load: nested JSON, non-ASCII text, every column type. */

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
