import type {
  ApiSessionDetail,
  ApiTask,
  ApiTaskGroup,
  ProductType,
  SessionTruth,
  TranscriptCue,
  TranscriptTruth,
} from "./model.js";
import { Random } from "./random.js";
import {
  CHOICES,
  DEMOGRAPHICS,
  MODERATOR_LINES,
  TASK_TEXTS,
  TRANSCRIPT_LINES,
  WRITTEN_ANSWERS,
} from "./vocabulary.js";
import { type WebVttStyle, writeWebVtt } from "./webvtt-writer.js";

/**
 * What a session holds beyond its listing entry: the v3 details and the transcript. Generated
 * on demand from (seed, session id), so a test with ten thousand sessions costs nothing until
 * a session is asked for, and the same session always answers the same.
 */

export interface TaskTemplate {
  uuid: string;
  text: string;
  type: string;
}

export interface TestPlan {
  testPlanId: string;
  tasks: TaskTemplate[];
  taskGroups: Array<{ uuid: string; type: ApiTaskGroup["type"] }>;
}

const TASK_TYPES_BY_PRODUCT: Record<ProductType, string[]> = {
  SURVEY: [
    "RATING_SCALE",
    "MULTIPLE_CHOICE",
    "WRITTEN_RESPONSE",
    "NET_PROMOTER_SCORE",
    "MATRIX",
    "CARD_SORT",
  ],
  NON_THINK_OUT_LOUD: [
    "NAVIGATION",
    "RATING_SCALE",
    "MULTIPLE_CHOICE",
    "WRITTEN_RESPONSE",
    "NET_PROMOTER_SCORE",
  ],
  THINK_OUT_LOUD: ["VERBAL_RESPONSE", "NAVIGATION", "RATING_SCALE", "WRITTEN_RESPONSE"],
  LIVE_CONVERSATION: ["VERBAL_RESPONSE", "WRITTEN_RESPONSE"],
};

export function generateTestPlan(rng: Random, productType: ProductType, qxScores: boolean): TestPlan {
  const types = TASK_TYPES_BY_PRODUCT[productType];
  const taskCount = rng.int(3, 8);
  const tasks: TaskTemplate[] = [];
  for (let i = 0; i < taskCount; i++) {
    // Every type of the product appears before any repeats, so small plans still vary.
    const type = i < types.length ? (types[i] as string) : rng.pick(types);
    tasks.push({ uuid: rng.uuid(), text: rng.pick(TASK_TEXTS[type] ?? ["Task"]), type });
  }
  const taskGroups: TestPlan["taskGroups"] = [];
  if (qxScores) taskGroups.push({ uuid: rng.uuid(), type: "QX_SCORE" });
  if (productType !== "LIVE_CONVERSATION" && rng.chance(0.35)) {
    taskGroups.push({ uuid: rng.uuid(), type: "BALANCED_COMPARISON" });
  }
  return { testPlanId: rng.uuid(), tasks, taskGroups };
}

function answerFor(type: string, rng: Random): Record<string, unknown> {
  switch (type) {
    case "RATING_SCALE":
      return {
        value: rng.int(1, 5),
        scale: { min: 1, max: 5, minLabel: "Very difficult", maxLabel: "Very easy" },
      };
    case "MULTIPLE_CHOICE": {
      const multiSelect = rng.chance(0.3);
      return {
        selected: rng.sample(CHOICES, multiSelect ? rng.int(1, 3) : 1),
        multiSelect,
        otherText: rng.chance(0.1) ? "Something else — «autre»" : null,
      };
    }
    case "WRITTEN_RESPONSE":
      return { text: rng.pick(WRITTEN_ANSWERS) };
    case "NET_PROMOTER_SCORE":
      return { score: rng.int(0, 10) };
    case "VERBAL_RESPONSE":
      return { durationMs: rng.int(5_000, 180_000), hasRecording: true };
    case "MATRIX":
      return {
        rows: ["Search", "Filters", "Checkout"].map((row) => ({
          row,
          importance: rng.int(1, 5),
          satisfaction: rng.chance(0.1) ? null : rng.int(1, 5),
        })),
      };
    case "CARD_SORT":
      return {
        groups: [
          { name: "Shopping", cards: rng.sample(["Cart", "Wishlist", "Deals", "Orders"], 2) },
          { name: "Account", cards: rng.sample(["Profile", "Settings", "Sign out", "Aide"], 2) },
        ],
      };
    case "NAVIGATION":
      return {
        success: rng.chance(0.75),
        clicks: rng.int(1, 14),
        path: ["/", rng.pick(["/shoes", "/search?q=running", "/deals"]), "/cart"],
      };
    default:
      return {};
  }
}

function taskGroupResponse(type: ApiTaskGroup["type"], rng: Random): Record<string, unknown> {
  if (type === "QX_SCORE") {
    const behavioral = rng.int(30, 100);
    const attitudinal = rng.int(30, 100);
    return {
      qxScore: Math.round((behavioral + attitudinal) / 2),
      behavioral: { score: behavioral, taskSuccess: rng.chance(0.8) },
      attitudinal: {
        usability: rng.int(1, 5),
        trust: rng.int(1, 5),
        appearance: rng.int(1, 5),
        loyalty: rng.int(1, 5),
      },
    };
  }
  const order = rng.chance(0.5) ? ["A", "B"] : ["B", "A"];
  return { variants: ["A", "B"], order, preferred: rng.pick(["A", "B", null]) };
}

export interface DetailContext {
  seed: string;
  plan: TestPlan;
  hasAudience: boolean;
  audienceId: string | null;
}

/** GET /api/v3/sessionResults/{id} for one session. */
export function generateSessionDetail(session: SessionTruth, ctx: DetailContext): ApiSessionDetail {
  const rng = new Random(ctx.seed, "detail", session.sessionId);
  const participantId = rng.chance(0.03) ? null : rng.uuid();
  const demographics = rng.sample(DEMOGRAPHICS, rng.int(3, DEMOGRAPHICS.length)).map((d) => ({
    code: d.code,
    label: d.label,
    value: rng.chance(0.05) ? null : rng.pick(d.values),
    type: d.type,
  }));
  // An unfinished session has answered only its first tasks; the rest carry no response yet.
  const answered =
    session.status === "completed"
      ? ctx.plan.tasks.length
      : rng.int(0, Math.max(0, ctx.plan.tasks.length - 1));
  let clockMs = rng.int(2_000, 20_000);
  const tasks: ApiTask[] = ctx.plan.tasks.map((template, index) => {
    if (index >= answered) return { ...template, response: null };
    const skipped = rng.chance(0.06);
    const startTimeMs = clockMs;
    const endTimeMs = startTimeMs + rng.int(3_000, 240_000);
    clockMs = endTimeMs + rng.int(500, 5_000);
    return {
      ...template,
      response: { startTimeMs, endTimeMs, skipped, answer: skipped ? null : answerFor(template.type, rng) },
    };
  });
  const taskGroups: ApiTaskGroup[] = ctx.plan.taskGroups.map((group) => ({
    ...group,
    response: session.status === "completed" ? taskGroupResponse(group.type, rng) : null,
  }));
  return {
    sessionId: session.sessionId,
    audienceId: ctx.audienceId,
    testPlanId: rng.chance(0.02) ? null : ctx.plan.testPlanId,
    sessionParticipant: rng.chance(0.03) ? null : { participantId, demographicsInfo: demographics },
    taskGroups,
    tasks,
  };
}

function transcriptStyle(rng: Random): WebVttStyle {
  return {
    bom: rng.chance(0.25),
    crlf: rng.chance(0.3),
    headerText: rng.chance(0.3) ? "- UserTesting transcript" : null,
    cueIds: rng.pick(["numeric", "numeric", "named", "none"] as const),
    notes: rng.chance(0.5),
    settings: rng.chance(0.3),
    shortTimestamps: rng.chance(0.3),
    voice: rng.pick(["closed", "closed", "open", "classed", "none"] as const),
  };
}

/** The transcript of one session: the cues, and the WebVTT file written from them. */
export function generateTranscript(session: SessionTruth, seed: string, moderated: boolean): TranscriptTruth {
  const rng = new Random(seed, "transcript", session.sessionId);
  const style = transcriptStyle(rng);
  const count = rng.int(6, 30);
  // Every file repeats one cue's text in the next cue: parsers that merge or drop such cues lose data.
  const repeatAt = rng.int(1, count - 1);
  const cues: TranscriptCue[] = [];
  let clock = rng.int(500, 4_000);
  for (let i = 0; i < count; i++) {
    const previous = cues[i - 1];
    const moderator = moderated && (i === 0 || rng.chance(0.3));
    let text: string;
    let speaker: string | null = moderator ? "Moderator" : "Participant";
    if (i === repeatAt && previous) {
      text = previous.text;
      speaker = previous.speaker;
    } else {
      text = rng.pick(moderator ? MODERATOR_LINES : TRANSCRIPT_LINES);
      if (rng.chance(0.15)) text = `${text}\n${rng.pick(TRANSCRIPT_LINES)}`;
    }
    const startMs = clock;
    const endMs = startMs + rng.int(900, 7_000);
    clock = endMs + (rng.chance(0.3) ? 0 : rng.int(50, 3_000));
    cues.push({ startMs, endMs, speaker: style.voice === "none" ? null : speaker, text });
  }
  return { vtt: writeWebVtt(cues, style), cues };
}

/** A deterministic stand-in for an MP4 file: a real `ftyp` box, then seeded bytes. */
export function generateMediaFile(seed: string, kind: string, id: string, size: number): Buffer {
  const buffer = new Random(seed, kind, id).fill(Buffer.allocUnsafe(size));
  const header = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0]);
  header.copy(buffer, 0, 0, Math.min(header.length, size));
  return buffer;
}
