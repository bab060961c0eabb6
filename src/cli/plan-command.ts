import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseConfiguredCatalog } from "../airbyte/airbyte-catalog.js";
import { restoreState } from "../airbyte/airbyte-state.js";
import { createApiClient } from "../api/create-client.js";
import type { ApiStudy } from "../api/types.js";
import { loadConfig } from "../config/config.js";
import { ConfigError } from "../errors.js";
import { Logger } from "../log/logger.js";
import { planSync, type SyncPlan } from "../plan/sync-plan.js";
import { TapState } from "../state/tap-state.js";
import { readStateFile } from "../sync/state-file.js";
import { defaultSelection, loadSelection, type Selection } from "../tap/catalog.js";
import { formatDuration } from "../tap/progress.js";
import { withRunBudget } from "./run-budget-flag.js";

export const PLAN_HELP = `tap-usertesting plan: the API calls the next sync will make, and how long they take

Usage:
  tap-usertesting plan --config FILE [--config FILE ...] [--state FILE] [--catalog FILE]
                       [--format text|json] [--max-run-minutes N]

  --state FILE     the state the sync would start from (a Singer state, or an Airbyte state array)
  --catalog FILE   the streams it would sync (a Singer catalog, or an Airbyte configured catalog)
  --format         text (default) or json: total_calls, calls_by_endpoint, minutes, estimated, ...

Only the workspace and test listings are called (they are not rate-limited): the plan spends
none of the API's 10 requests a minute. What the state does not know is estimated, with its basis.
`;

/** A catalog in either protocol's form: an Airbyte configured catalog has `streams[].stream`. */
function readCatalog(path: string): Selection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return loadSelection(path); // Its own clear errors.
  }
  const first = (parsed as { streams?: Array<{ stream?: unknown }> })?.streams?.[0];
  if (first && typeof first.stream === "object")
    return parseConfiguredCatalog(parsed, `the catalog file ${path}`).selection;
  return loadSelection(path);
}

function readState(path: string, selection: Selection): TapState {
  const parsed = readStateFile(path, { missing: "error", hint: "run without --state to plan a full sync" });
  if (Array.isArray(parsed)) {
    const modes = new Map([...selection.streams].map((s) => [s, "incremental" as const]));
    return TapState.parse(restoreState(parsed, modes, `the state file ${path}`).singer, `state file ${path}`);
  }
  return parsed === undefined ? TapState.empty() : TapState.parse(parsed, `state file ${path}`);
}

export async function planCommand(args: string[]): Promise<number> {
  let values: {
    config?: string[];
    state?: string;
    catalog?: string;
    format?: string;
    "max-run-minutes"?: string;
    help?: boolean;
  };
  try {
    values = parseArgs({
      args,
      options: {
        config: { type: "string", multiple: true },
        state: { type: "string" },
        catalog: { type: "string" },
        format: { type: "string", default: "text" },
        "max-run-minutes": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new ConfigError(`${(error as Error).message}. Run tap-usertesting plan --help for the options.`);
  }
  if (values.help) {
    process.stdout.write(PLAN_HELP);
    return 0;
  }
  if (values.format !== "text" && values.format !== "json")
    throw new ConfigError(`--format must be text or json, not '${values.format}'.`);
  if (!values.config?.length)
    throw new ConfigError("plan needs --config FILE. Run tap-usertesting plan --help for the options.");
  const config = withRunBudget(loadConfig(values.config), values["max-run-minutes"], "tap-usertesting plan");
  const selection = values.catalog ? readCatalog(values.catalog) : defaultSelection();
  for (const stream of config.media.streams) selection.streams.add(stream);
  const state = values.state ? readState(values.state, selection) : TapState.empty();
  const plan = await planFor(config, selection, state, new Logger());
  process.stdout.write(
    values.format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : planText(plan, Date.now()),
  );
  return 0;
}

/** The plan of a sync of `selection` from `state`, listing the tests first (free calls only). */
export async function planFor(
  config: ReturnType<typeof loadConfig>,
  selection: Selection,
  state: TapState,
  logger: Logger,
  now = Date.now(),
): Promise<SyncPlan> {
  const { client } = createApiClient(config, { logger });
  const { tests, freeCalls } = await listTests(client, config);
  return planSync({ config, selection, state, tests, freeCalls, now });
}

/** Every test the sync would visit: the workspace and study listings (free), with its filters. */
async function listTests(
  client: ReturnType<typeof createApiClient>["client"],
  config: ReturnType<typeof loadConfig>,
): Promise<{ tests: ApiStudy[]; freeCalls: number }> {
  let freeCalls = 1;
  let workspaces = await client.workspaces();
  if (config.workspaceIds) workspaces = workspaces.filter((w) => config.workspaceIds?.includes(w.uuid));
  const tests: ApiStudy[] = [];
  for (const workspace of workspaces) {
    for await (const page of client.studies(workspace.uuid)) {
      freeCalls += 1;
      tests.push(...page);
    }
  }
  return { tests: config.testIds ? tests.filter((t) => config.testIds?.includes(t.uuid)) : tests, freeCalls };
}

export function planText(plan: SyncPlan, now: number): string {
  const lines = [
    `Plan of the next sync: ${plan.total_calls} API calls at ${plan.requests_per_minute} a minute, about ${formatDuration(plan.minutes * 60_000)} (ETA ${new Date(now + plan.minutes * 60_000).toISOString().slice(0, 16).replace("T", " ")} UTC)${plan.estimated ? ", estimated" : ""}.`,
    "",
    "  endpoint            calls",
    ...Object.entries(plan.calls_by_endpoint).map(([e, n]) => `  ${e.padEnd(18)} ${String(n).padStart(6)}`),
    `  ${"total".padEnd(18)} ${String(plan.total_calls).padStart(6)}`,
    "",
    `Tests: ${plan.tests.total} (${plan.tests.results_api} Results API, ${plan.tests.classic} classic at no cost${plan.tests.never_synced ? `, ${plan.tests.never_synced} never synced` : ""}${plan.tests.resting ? `, ${plan.tests.resting} resting (revisit_inactive_tests_days)` : ""}).`,
    `Each new completed session adds ${plan.calls_per_new_session} call(s) (new sessions are known only once listed).`,
    `The workspace and test listings (${plan.free_calls} calls) are not rate-limited; this plan made them.`,
  ];
  if (plan.revisit_saving_calls > 0)
    lines.push(`revisit_inactive_tests_days saves ${plan.revisit_saving_calls} listing call(s) this run.`);
  if (plan.budget_minutes !== null)
    lines.push(
      plan.minutes <= plan.budget_minutes
        ? `It fits the time budget of ${plan.budget_minutes} min.`
        : `It does not fit the time budget of ${plan.budget_minutes} min: the run stops starting tests then, and the next one starts with those left.`,
    );
  if (plan.estimated) {
    lines.push("", "Estimates:");
    for (const e of plan.estimates) lines.push(`  ${e.endpoint}: ${e.calls} call(s), because ${e.basis}`);
  }
  return `${lines.join("\n")}\n`;
}
