/**
 * The debug line of one HTTP attempt: "GET /api/v2/sessionResults 200 in 41 ms (attempt 1)".
 * `path` is an endpoint template or a URL's path, never with its query string.
 */
export function requestLine(
  method: string,
  path: string,
  outcome: number | string,
  durationMs: number,
  attempt: number,
): string {
  return `${method} ${path} ${outcome} in ${Math.round(durationMs)} ms (attempt ${attempt})`;
}
