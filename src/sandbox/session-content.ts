import type { ApiShapes } from "./api-shapes.js";
import type {
  ApiClip,
  ApiClipList,
  ApiDemographic,
  ApiSessionDetail,
  ApiTask,
  ApiTaskAnswer,
  ApiTaskGroup,
  ProductType,
  SessionTruth,
  TaskType,
  TranscriptCue,
  TranscriptTruth,
} from "./model.js";
import { Random } from "./random.js";
import {
  CHOICES,
  CLIP_DESCRIPTIONS,
  DEMOGRAPHICS,
  FIGMA_PROTOTYPES,
  IMAGE_URLS,
  MODERATOR_LINES,
  RANK_OPTIONS,
  SITE_URLS,
  TASK_TEXTS,
  TRANSCRIPT_LINES,
  WRITTEN_ANSWERS,
} from "./vocabulary.js";
import { type WebVttStyle, writeWebVtt } from "./webvtt-writer.js";

/**
 * What a session holds beyond its listing entry: the v3 details, the transcript and the clips. Generated
 * on demand from (seed, session id), so a test with ten thousand sessions costs nothing until
 * a session is asked for, and the same session always answers the same.
 */

export interface TaskTemplate {
  uuid: string;
  text: string;
  type: TaskType;
}

export interface TaskGroupTemplate {
  uuid: string;
  type: ApiTaskGroup["type"];
  /** "QXscore 1", "QXscore 2": the label the QX scores endpoint gives the group. */
  label: string;
}

export interface TestPlan {
  testPlanId: string;
  tasks: TaskTemplate[];
  taskGroups: TaskGroupTemplate[];
}

/**
 * Task types of each product type. The guides name no task types; these are the OpenAPI's
 * (TaskItemDto.type), matched to what each kind of test asks. A plan starts with the `leading`
 * types in order, then draws from all of them. The leading lists keep the lengths the sandbox's
 * earlier task vocabulary had, so the dataset's generator takes the same draws and the same
 * seed still gives the same tests and sessions.
 */
const TASK_TYPES_BY_PRODUCT: Record<ProductType, { leading: TaskType[]; more: TaskType[] }> = {
  SURVEY: {
    leading: ["RATING_SCALE", "MULTIPLE_CHOICE", "WRITTEN", "NPS", "MATRIX", "RANK_ORDER"],
    more: ["IMAGE"],
  },
  NON_THINK_OUT_LOUD: {
    leading: ["URL", "FIGMA", "RATING_SCALE", "MULTIPLE_CHOICE", "NPS"],
    more: ["BLANK"],
  },
  THINK_OUT_LOUD: { leading: ["URL", "WRITTEN", "RATING_SCALE", "FIGMA"], more: [] },
  LIVE_CONVERSATION: { leading: ["BLANK", "WRITTEN"], more: [] },
};

/** TaskAnswerDto's key for each task type; UNRECOGNIZED has none. */
const ANSWER_KEY: Record<TaskType, string | null> = {
  BLANK: "blank",
  RATING_SCALE: "ratingScale",
  MULTIPLE_CHOICE: "multipleChoice",
  IMAGE: "image",
  NPS: "nps",
  URL: "url",
  RANK_ORDER: "rankOrder",
  WRITTEN: "written",
  FIGMA: "figma",
  MATRIX: "matrix",
  UNRECOGNIZED: null,
};

/** Navigational tasks: their success makes the behavioral part of a QX score. */
export const NAVIGATION_TASKS: ReadonlySet<TaskType> = new Set(["URL", "FIGMA"]);

/**
 * The plan of one test. `rng` is the dataset's own generator and takes exactly the draws it
 * always took, so that the tests and sessions drawn after this plan stay as they were; what the
 * OpenAPI's shapes added (UNRECOGNIZED tasks, a second QX task group) draws from `extra`.
 */
export function generateTestPlan(
  rng: Random,
  extra: Random,
  productType: ProductType,
  qxScores: boolean,
): TestPlan {
  const { leading, more } = TASK_TYPES_BY_PRODUCT[productType];
  const all = [...leading, ...more];
  const taskCount = rng.int(3, 8);
  const tasks: TaskTemplate[] = [];
  for (let i = 0; i < taskCount; i++) {
    // The leading types come first, so small plans still vary; now and then a task is of a type
    // newer than the OpenAPI's list.
    let type = i < leading.length ? (leading[i] as TaskType) : rng.pick(all);
    if (extra.chance(0.02)) type = "UNRECOGNIZED";
    tasks.push({ uuid: rng.uuid(), text: rng.pick(TASK_TEXTS[type] ?? ["Task"]), type });
  }
  const taskGroups: TestPlan["taskGroups"] = [];
  if (qxScores) taskGroups.push({ uuid: rng.uuid(), type: "QX_SCORE", label: "QXscore 1" });
  // A QX test plan has one QX task group, sometimes two (the scores endpoint lists "each QX task group").
  if (qxScores && extra.chance(0.3)) {
    taskGroups.push({ uuid: extra.uuid(), type: "QX_SCORE", label: "QXscore 2" });
  }
  if (productType !== "LIVE_CONVERSATION" && rng.chance(0.35)) {
    taskGroups.push({ uuid: rng.uuid(), type: "BALANCED_COMPARISON", label: "Balanced comparison" });
  }
  return { testPlanId: rng.uuid(), tasks, taskGroups };
}

/** The inner object of a task's answer. The OpenAPI leaves these open; the field names it mentions are used. */
function answerFor(type: TaskType, rng: Random): Record<string, unknown> {
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
        randomizedOptions: rng.chance(0.5),
        maxLimit: multiSelect ? 3 : null,
        otherText: rng.chance(0.1) ? "Something else — «autre»" : null,
      };
    }
    case "WRITTEN":
      return { text: rng.pick(WRITTEN_ANSWERS) };
    case "NPS":
      return { score: rng.int(0, 10) };
    case "IMAGE":
      return { imageUrl: rng.pick(IMAGE_URLS), viewedMs: rng.int(2_000, 20_000) };
    case "URL":
      return {
        url: rng.pick(SITE_URLS),
        success: rng.chance(0.75),
        clicks: rng.int(1, 14),
        path: ["/", rng.pick(["/shoes", "/search?q=running", "/deals"]), "/cart"],
      };
    case "FIGMA": {
      const prototype = rng.pick(FIGMA_PROTOTYPES);
      return {
        prototypeUrl: prototype.url,
        figmaPrototypeTitle: prototype.title,
        figmaPrototypeDisplaySetting: rng.pick(["FIT_TO_SCREEN", "ACTUAL_SIZE"]),
        success: rng.chance(0.7),
        clicks: rng.int(1, 20),
      };
    }
    case "RANK_ORDER":
      return {
        ranking: rng.sample(RANK_OPTIONS, 4).map((option, index) => ({ option, rank: index + 1 })),
      };
    case "MATRIX":
      return {
        rows: ["Search", "Filters", "Checkout"].map((row) => ({
          row,
          importance: rng.int(1, 5),
          satisfaction: rng.chance(0.1) ? null : rng.int(1, 5),
        })),
      };
    default:
      return {};
  }
}

function answerOf(type: TaskType, rng: Random): ApiTaskAnswer {
  const key = ANSWER_KEY[type];
  return key ? { [key]: answerFor(type, rng) } : {};
}

function taskGroupResponse(type: ApiTaskGroup["type"], rng: Random): NonNullable<ApiTaskGroup["response"]> {
  if (type === "QX_SCORE") return { score: rng.int(20, 100) };
  return { sequence: rng.chance(0.5) ? "AB" : "BA" };
}

/** The OpenAPI's DemographicInfoDto.type for a question. */
const OPENAPI_DEMOGRAPHIC_TYPE = {
  single: "DEMOGRAPHIC_QUESTION_TYPE_SINGLE",
  multiple: "DEMOGRAPHIC_QUESTION_TYPE_MULTIPLE",
} as const;

export interface DetailContext {
  seed: string;
  plan: TestPlan;
  hasAudience: boolean;
  audienceId: string | null;
  demographics: ApiShapes["demographics"];
  /** The OpenAPI's "ID of the demographic question": the same for everyone asked it. */
  demographicId: (code: string) => string;
}

/**
 * Demographics of one session. The questions and answers are drawn from the detail's generator
 * in both readings; what the OpenAPI adds (ids, null codes, UNRECOGNIZED) comes from a generator
 * of its own, so the two readings describe the same participant.
 */
function demographicsOf(rng: Random, ctx: DetailContext, sessionId: string): ApiDemographic[] {
  const drawn = rng.sample(DEMOGRAPHICS, rng.int(3, DEMOGRAPHICS.length)).map((question) => ({
    question,
    value: rng.chance(0.05)
      ? null
      : question.multiple
        ? rng.sample(question.values, rng.int(1, 3)).join(", ")
        : rng.pick(question.values),
  }));
  if (ctx.demographics === "guides") {
    return drawn.map(({ question, value }) => ({
      code: question.code,
      label: question.label,
      value,
      type: question.type,
    }));
  }
  const extra = new Random(ctx.seed, "demographics-openapi", sessionId);
  return drawn.map(({ question, value }) => ({
    id: ctx.demographicId(question.code),
    code: extra.chance(0.1) ? null : question.code,
    label: question.label,
    value,
    type: extra.chance(0.04)
      ? "UNRECOGNIZED"
      : OPENAPI_DEMOGRAPHIC_TYPE[question.multiple ? "multiple" : "single"],
  }));
}

/** GET /api/v3/sessionResults/{id} for one session. */
export function generateSessionDetail(session: SessionTruth, ctx: DetailContext): ApiSessionDetail {
  const rng = new Random(ctx.seed, "detail", session.sessionId);
  const participantId = rng.chance(0.03) ? null : rng.uuid();
  const demographics = demographicsOf(rng, ctx, session.sessionId);
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
      response: { startTimeMs, endTimeMs, skipped, answer: skipped ? null : answerOf(template.type, rng) },
    };
  });
  const taskGroups: ApiTaskGroup[] = ctx.plan.taskGroups.map((group) => ({
    uuid: group.uuid,
    type: group.type,
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

const PIP_POSITIONS = ["TOP_LEFT", "TOP_RIGHT", "BOTTOM_LEFT", "BOTTOM_RIGHT"] as const;

/**
 * GET /api/v2/sessionResults/{id}/clips for a session with video: 0 to 4 clips (none for about a
 * third of sessions), each within the session's length. A session records its camera or not, so
 * every clip of it agrees on `hasCamera`, and the camera region is described only when there is one.
 */
export function generateClips(session: SessionTruth, seed: string): ApiClipList {
  const rng = new Random(seed, "clips", session.sessionId);
  const lengthMs = Math.max(
    60_000,
    Date.parse(session.finishTime ?? session.startTime) - Date.parse(session.startTime),
  );
  const videoUuid = rng.uuid();
  const hasCamera = rng.chance(0.5);
  const count = rng.chance(1 / 3) ? 0 : rng.int(1, 4);
  const clips: ApiClip[] = [];
  for (let i = 1; i <= count; i++) {
    const durationMs = rng.int(3_000, Math.min(90_000, Math.floor(lengthMs / 2)));
    const timeStartMs = rng.int(0, lengthMs - durationMs);
    const clip: ApiClip = {
      uuid: rng.uuid(),
      name: `Clip #${i}`,
      timeStartMs,
      timeEndMs: timeStartMs + durationMs,
      videoUuid,
      hasAudio: rng.chance(0.9),
      hasCamera,
    };
    if (rng.chance(0.6)) clip.description = rng.pick(CLIP_DESCRIPTIONS);
    if (hasCamera && rng.chance(0.7)) {
      clip.layout = {
        mainStream: rng.chance(0.8) ? "SCREEN" : "CAMERA",
        pipPosition: rng.pick(PIP_POSITIONS),
        pipState: rng.chance(0.8) ? "OPENED" : "CLOSED",
      };
    }
    clips.push(clip);
  }
  const body: ApiClipList = { studyUuid: session.testId, clips };
  if (rng.chance(0.8)) {
    const screen = rng.pick([
      { widthPx: 1920, heightPx: 1080 },
      { widthPx: 1280, heightPx: 720 },
      { widthPx: 390, heightPx: 844 },
    ]);
    body.videoRegions = {
      screen: rng.chance(0.5) ? { topLeftPoint: { x: 0, y: 0 }, ...screen } : { ...screen },
    };
    if (hasCamera)
      body.videoRegions.camera = { topLeftPoint: { x: 0, y: screen.heightPx }, widthPx: 320, heightPx: 240 };
  }
  return body;
}

/** A deterministic stand-in for an MP4 file: a real `ftyp` box, then seeded bytes. */
export function generateMediaFile(seed: string, kind: string, id: string, size: number): Buffer {
  const buffer = new Random(seed, kind, id).fill(Buffer.allocUnsafe(size));
  const header = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d, 0, 0, 2, 0]);
  header.copy(buffer, 0, 0, Math.min(header.length, size));
  return buffer;
}
