import { readFileSync } from "node:fs";
import { ENV_PREFIX, packageVersion } from "../config/config.js";
import { STREAMS } from "../streams/registry.js";
import { readSchema } from "../util/json-schema.js";

/**
 * What a plugin's `--about --format json` prints. The first seven keys are the Meltano Singer
 * SDK's, in its order (meltano/sdk `singer_sdk/about.py`, JSONFormatter), so tools that read an
 * SDK plugin's about read ours; the keys after them are ours.
 */
export interface PluginAbout {
  name: string;
  description: string;
  version: string;
  /** Not built on the Meltano Singer SDK (a Python library): null, as the SDK has no version to name here. */
  sdk_version: null;
  /** A Node.js program: no Python version applies. */
  supported_python_versions: null;
  /** Meltano capability names (meltano `meltano.schema.json`: the extractor and loader enums). */
  capabilities: readonly string[];
  settings: SettingsJsonSchema;
  /** Every setting can also be set as `<prefix><KEY>`; Meltano injects `<PLUGIN_NAME>_<SETTING>`, the same names. */
  env_var_prefix: string;
  /** The Node.js versions it runs on (package.json `engines.node`). */
  supported_node_versions: string;
  /** The tap's streams; absent for a target. */
  streams?: string[];
}

export interface SettingProperty {
  type?: string | string[];
  default?: unknown;
  description?: string;
  secret?: boolean;
  writeOnly?: boolean;
  [keyword: string]: unknown;
}

/** The settings as the SDK prints them: a JSON Schema object whose secrets say `secret` and `writeOnly`. */
export interface SettingsJsonSchema {
  type: "object";
  properties: Record<string, SettingProperty>;
  required: string[];
  [keyword: string]: unknown;
}

/** The tap's Meltano capabilities. No `stream-maps`: it does not implement SDK stream maps. */
export const TAP_CAPABILITIES = ["catalog", "discover", "state", "about"] as const;

/** A setting is secret when its schema says `secret` or `writeOnly` (config.schema.json uses writeOnly alone). */
export function isSecret(property: SettingProperty): boolean {
  return property.secret === true || property.writeOnly === true;
}

/**
 * A settings schema file as the SDK's about prints it: every property kept, secrets marked
 * both ways (the SDK's `Property(secret=True)` writes `"secret": true, "writeOnly": true`), and
 * `required` always present.
 */
export function settingsJsonSchema(file: string): SettingsJsonSchema {
  const schema = readSchema(file);
  const properties = schema.properties as Record<string, SettingProperty>;
  return {
    ...schema,
    type: "object",
    properties: Object.fromEntries(
      Object.entries(properties).map(([key, p]) => [
        key,
        isSecret(p) ? { ...p, secret: true, writeOnly: true } : p,
      ]),
    ),
    required: Array.isArray(schema.required) ? (schema.required as string[]) : [],
  };
}

let engines: string | undefined;
function supportedNodeVersions(): string {
  engines ??= (
    JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      engines: { node: string };
    }
  ).engines.node;
  return engines;
}

/** The about of one of our plugins, from its settings schema file. */
export function pluginAbout(plugin: {
  name: string;
  description: string;
  capabilities: readonly string[];
  settingsFile: string;
  envVarPrefix: string;
  streams?: string[];
}): PluginAbout {
  return {
    name: plugin.name,
    description: plugin.description,
    version: packageVersion(),
    sdk_version: null,
    supported_python_versions: null,
    capabilities: plugin.capabilities,
    settings: settingsJsonSchema(plugin.settingsFile),
    env_var_prefix: plugin.envVarPrefix,
    supported_node_versions: supportedNodeVersions(),
    ...(plugin.streams ? { streams: plugin.streams } : {}),
  };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** `--about --format json|markdown`. The markdown is one table of settings, secrets and required ones marked. */
export function renderAbout(about: PluginAbout, format: "json" | "markdown"): string {
  if (format === "json") return `${JSON.stringify(about, null, 2)}\n`;
  const { properties, required } = about.settings;
  const rows = Object.entries(properties).map(([key, p]) => {
    const type = Array.isArray(p.type) ? p.type.join(" or ") : (p.type ?? "");
    const fallback = p.default === undefined ? "" : `\`${JSON.stringify(p.default)}\``;
    const marks = [required.includes(key) ? "(required)" : "", isSecret(p) ? "(secret)" : ""];
    const description = [p.description ?? "", ...marks].filter(Boolean).join(" ");
    return `| \`${key}\` | ${type} | ${cell(fallback)} | ${cell(description)} |`;
  });
  const streams = about.streams ? ` Streams: ${about.streams.join(", ")}.` : "";
  return [
    `# ${about.name} ${about.version}`,
    "",
    about.description,
    "",
    `Capabilities: ${about.capabilities.join(", ")}.${streams}`,
    "",
    "## Settings",
    "",
    "| key | type | default | description |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
    `Every setting can also be given as ${about.env_var_prefix}<KEY> in the environment.`,
    "",
  ].join("\n");
}

/** The tap's about. */
export function tapAbout(): PluginAbout {
  return pluginAbout({
    name: "tap-usertesting",
    description:
      "Singer tap for the UserTesting Results API: workspaces, tests, sessions, demographics, task groups, tasks, transcripts, QX scores (whole and per task group), and, when selected, clips and highlight reels.",
    capabilities: TAP_CAPABILITIES,
    settingsFile: "config.schema.json",
    envVarPrefix: ENV_PREFIX,
    streams: STREAMS.map((s) => s.name),
  });
}

/** --about: what the tap is and its settings, as Meltano SDK taps print it. */
export function aboutText(format: "json" | "markdown"): string {
  return renderAbout(tapAbout(), format);
}
