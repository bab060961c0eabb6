import { packageVersion } from "../config/config.js";
import { STREAMS } from "../streams/registry.js";
import { readSchema } from "../util/json-schema.js";

/** --about: what the tap is and its settings, as Meltano SDK taps print it. */
export function aboutText(format: "json" | "markdown"): string {
  const schema = readSchema("config.schema.json");
  const about = {
    name: "tap-usertesting",
    description:
      "Singer tap for the UserTesting Results API: workspaces, tests, sessions, demographics, task groups, tasks, transcripts, QX scores (whole and per task group), and, when selected, clips and highlight reels.",
    version: packageVersion(),
    capabilities: ["catalog", "discover", "state", "about"],
    streams: STREAMS.map((s) => s.name),
    settings: schema,
    env_var_prefix: "TAP_USERTESTING_",
  };
  if (format === "json") return `${JSON.stringify(about, null, 2)}\n`;
  const properties = schema.properties as Record<
    string,
    { type?: string; description?: string; default?: unknown }
  >;
  const rows = Object.entries(properties).map(
    ([key, p]) =>
      `| \`${key}\` | ${Array.isArray(p.type) ? p.type.join(" or ") : (p.type ?? "")} | ${p.default === undefined ? "" : `\`${JSON.stringify(p.default)}\``} | ${p.description ?? ""} |`,
  );
  return [
    `# tap-usertesting ${about.version}`,
    "",
    about.description,
    "",
    `Capabilities: ${about.capabilities.join(", ")}. Streams: ${about.streams.join(", ")}.`,
    "",
    "## Settings",
    "",
    "| key | type | default | description |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    "Every setting can also be given as TAP_USERTESTING_<KEY> in the environment.",
    "",
  ].join("\n");
}
