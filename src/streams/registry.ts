import { readSchema } from "../util/json-schema.js";
import { clips } from "./clips.js";
import { demographics } from "./demographics.js";
import { highlightReels } from "./highlight-reels.js";
import { qxScores } from "./qx-scores.js";
import { qxTaskGroupScores } from "./qx-task-group-scores.js";
import { sessionVideos } from "./session-videos.js";
import { sessions } from "./sessions.js";
import type { SourceName, StreamDefinition } from "./stream.js";
import { taskGroups } from "./task-groups.js";
import { tasks } from "./tasks.js";
import { tests } from "./tests.js";
import { transcriptChunks } from "./transcript-chunks.js";
import { transcripts } from "./transcripts.js";
import { workspaces } from "./workspaces.js";

/** Every stream, in the order the tap emits their SCHEMA messages. */
export const STREAMS: readonly StreamDefinition[] = [
  workspaces,
  tests,
  sessions,
  demographics,
  taskGroups,
  tasks,
  transcripts,
  transcriptChunks,
  qxScores,
  qxTaskGroupScores,
  clips,
  highlightReels,
  sessionVideos,
] as StreamDefinition[];

const schemas = new Map<string, Record<string, unknown>>();

/** The JSON Schema of a stream (schemas/streams/<name>.json). */
export function streamSchema(name: string): Record<string, unknown> {
  let schema = schemas.get(name);
  if (!schema) {
    schema = readSchema(`streams/${name}.json`);
    schemas.set(name, schema);
  }
  return schema;
}

export function streamsOf(source: SourceName): StreamDefinition[] {
  return STREAMS.filter((s) => s.source === source);
}

/** Sources fed per session by the walk of each test's listing. */
const PER_SESSION_SOURCES: readonly SourceName[] = ["session", "transcript", "clips"];

/** The streams the session walk feeds: one bookmark per test covers them all. */
export const WALKED_STREAMS: readonly string[] = STREAMS.filter((s) =>
  PER_SESSION_SOURCES.includes(s.source),
).map((s) => s.name);

/** Streams derived from another's records, and that other stream (see StreamDefinition.coveredBy). */
export const COVERED_BY: ReadonlyMap<string, string> = new Map(
  STREAMS.flatMap((s) => (s.coveredBy ? [[s.name, s.coveredBy] as const] : [])),
);
