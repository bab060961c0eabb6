import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { TARGET_CAPABILITIES } from "../../src/loaders/target-about.js";
import { TARGETS } from "../../src/loaders/targets.js";
import { STREAMS, streamSchema } from "../../src/streams/registry.js";
import { isSecret, type SettingProperty, TAP_CAPABILITIES } from "../../src/tap/about.js";
import { defaultSelection } from "../../src/tap/catalog.js";
import { readSchema } from "../../src/util/json-schema.js";
import { runCommand } from "../helpers/run-cli.js";

/** The subset of a meltano.yml plugin entry these specs read (meltano `meltano.schema.json`). */
interface MeltanoSetting {
  name: string;
  kind?: string;
  sensitive?: boolean;
  value?: unknown;
  description?: string;
}
interface MeltanoPlugin {
  name: string;
  namespace?: string;
  pip_url?: string;
  executable?: string;
  capabilities?: string[];
  settings?: MeltanoSetting[];
  settings_group_validation?: string[][];
  config?: Record<string, unknown>;
  select?: string[];
}

const document = parseDocument(readFileSync("docs/meltano/meltano.yml", "utf8"), { prettyErrors: true });
const project = document.toJS() as {
  plugins: { extractors: MeltanoPlugin[]; loaders: MeltanoPlugin[] };
  jobs: Array<{ name: string; tasks: string[] }>;
  schedules: Array<{ name: string; job: string; interval: string }>;
};
const bins = (JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> }).bin;

/**
 * The Meltano kind (meltano `setting_definition.py` SettingKind; `decimal` from Meltano 3.9) a
 * setting of this JSON Schema type gets. Secrets are `string` with `sensitive: true`, as `kind:
 * password` is deprecated (meltano docs, plugin-definition-syntax).
 */
function meltanoKind(property: SettingProperty): string {
  const types = (Array.isArray(property.type) ? property.type : [property.type]).filter((t) => t !== "null");
  expect(types, "one JSON Schema type besides null").toHaveLength(1);
  const [type] = types;
  if (type === "string") return property.format === "date-time" ? "date_iso8601" : "string";
  if (type === "number") return "decimal";
  return String(type);
}

describe("the Meltano kind of a setting", () => {
  it.each([
    ["a string", { type: "string" }, "string"],
    ["a nullable string", { type: ["string", "null"] }, "string"],
    ["an instant", { type: "string", format: "date-time" }, "date_iso8601"],
    ["a URL", { type: "string", format: "uri" }, "string"],
    ["an integer", { type: "integer" }, "integer"],
    ["a number", { type: "number" }, "decimal"],
    ["an array", { type: "array" }, "array"],
    ["a boolean", { type: "boolean" }, "boolean"],
  ] as const)("of %s is %s", (_case, property, kind) => {
    expect(meltanoKind(property as SettingProperty)).toBe(kind);
  });
});

const PLUGINS = [
  {
    name: "tap-usertesting",
    type: "extractors" as const,
    schemaFile: "config.schema.json",
    capabilities: TAP_CAPABILITIES as readonly string[],
    about: () => runCommand("src/cli/tap.ts", ["--about", "--format", "json"]),
  },
  ...Object.values(TARGETS).map((target) => ({
    name: `target-${target.name}`,
    type: "loaders" as const,
    schemaFile: target.settings.file,
    capabilities: TARGET_CAPABILITIES as readonly string[],
    about: () => runCommand("src/cli/target.ts", ["--target", target.name, "--about", "--format", "json"]),
  })),
];

describe("docs/meltano/meltano.yml", () => {
  it("is YAML without errors or warnings", () => {
    expect(document.errors).toEqual([]);
    expect(document.warnings).toEqual([]);
  });

  it("lists the tap and every loader, and nothing else", () => {
    expect(project.plugins.extractors.map((p) => p.name)).toEqual(["tap-usertesting"]);
    expect(project.plugins.loaders.map((p) => p.name)).toEqual(
      Object.keys(TARGETS).map((name) => `target-${name}`),
    );
  });

  it("runs a job made of its plugins, on a schedule that names the job", () => {
    const names = new Set(PLUGINS.map((p) => p.name));
    for (const job of project.jobs)
      for (const task of job.tasks) for (const step of task.split(/\s+/)) expect(names).toContain(step);
    for (const schedule of project.schedules) expect(project.jobs.map((j) => j.name)).toContain(schedule.job);
  });
});

describe.each(PLUGINS)("the $name plugin", (plugin) => {
  const entry = project.plugins[plugin.type].find((p) => p.name === plugin.name) as MeltanoPlugin;
  const schema = readSchema(plugin.schemaFile);
  const properties = schema.properties as Record<string, SettingProperty>;
  const required = (schema.required as string[] | undefined) ?? [];
  const settings = new Map((entry.settings ?? []).map((s) => [s.name, s]));

  it("is a custom plugin Meltano runs from npm's bin folder, with no pip_url to install", () => {
    expect(entry.namespace).toBe(plugin.name.replace(/-/g, "_"));
    expect(entry.pip_url).toBeUndefined();
    expect(entry.executable).toBe(`node_modules/.bin/${plugin.name}`);
    expect(bins[basename(entry.executable as string)]).toBeDefined();
  });

  it("declares the capabilities it has, and stream-maps only if it has them", () => {
    expect(entry.capabilities).toEqual([...plugin.capabilities]);
    expect(entry.capabilities).not.toContain("stream-maps");
  });

  it("lists exactly the settings of its config schema, in order", () => {
    expect([...settings.keys()]).toEqual(Object.keys(properties));
  });

  it.each(Object.keys(properties))("says what %s is as the schema does", (key) => {
    const property = properties[key] as SettingProperty;
    const setting = settings.get(key) as MeltanoSetting;
    expect(setting.sensitive === true, "sensitive ⇔ secret or writeOnly in the schema").toBe(
      isSecret(property),
    );
    expect(setting.kind).toBe(meltanoKind(property));
    // A null default is "not set": Meltano writes no value for it, which the plugin reads the same.
    expect(setting.value).toEqual(property.default ?? undefined);
    expect(setting.description).toBe(property.description);
  });

  it("validates groups of settings that each include every required one", () => {
    for (const group of entry.settings_group_validation ?? []) {
      for (const name of group) expect(settings.has(name), name).toBe(true);
      for (const name of required) expect(group, name).toContain(name);
    }
  });

  it("configures only its settings, and never a secret in the file", () => {
    for (const key of Object.keys(entry.config ?? {})) {
      expect(settings.has(key), key).toBe(true);
      expect(settings.get(key)?.sensitive, key).not.toBe(true);
    }
  });

  it("prints --about --format json with the SDK's keys, its capabilities and every setting, secrets marked", async () => {
    const run = await plugin.about();
    expect(run.status, run.stderr).toBe(0);
    const about = JSON.parse(run.stdout) as {
      name: string;
      capabilities: string[];
      env_var_prefix: string;
      settings: { type: string; properties: Record<string, SettingProperty>; required: string[] };
    };
    // meltano/sdk singer_sdk/about.py, JSONFormatter: these seven first, in this order.
    expect(Object.keys(about).slice(0, 7)).toEqual([
      "name",
      "description",
      "version",
      "sdk_version",
      "supported_python_versions",
      "capabilities",
      "settings",
    ]);
    expect(about).toMatchObject({ name: plugin.name, sdk_version: null, supported_python_versions: null });
    expect(about.capabilities).toEqual(entry.capabilities);
    expect(about.settings.type).toBe("object");
    expect(about.settings.required).toEqual(required);
    expect(Object.keys(about.settings.properties)).toEqual([...settings.keys()]);
    for (const [key, p] of Object.entries(about.settings.properties)) {
      const secret = settings.get(key)?.sensitive === true;
      expect(p.secret === true && p.writeOnly === true, `${key} secret and writeOnly`).toBe(secret);
      if (!secret) expect(p.secret ?? p.writeOnly, `${key} not secret`).toBeUndefined();
    }
    // Meltano hands each setting to the plugin as <PLUGIN_NAME>_<SETTING>: the names it reads.
    expect(about.env_var_prefix).toBe(`${plugin.name.toUpperCase().replace(/-/g, "_")}_`);
  });
});

/** Which streams and properties Meltano's `select` rules pick from the catalog (a `!` rule leaves out). */
function applySelect(rules: string[]): { streams: Set<string>; excluded: Map<string, Set<string>> } {
  const glob = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  const parsed = rules.map((rule) => {
    const negated = rule.startsWith("!");
    const [stream = "", property = ""] = rule.replace(/^!/, "").split(".");
    return { negated, stream: glob(stream), property: glob(property) };
  });
  const streams = new Set<string>();
  const excluded = new Map<string, Set<string>>();
  for (const definition of STREAMS) {
    const props = Object.keys(streamSchema(definition.name).properties as object);
    const included = props.filter((p) =>
      parsed.some((r) => !r.negated && r.stream.test(definition.name) && r.property.test(p)),
    );
    if (included.length === 0) continue;
    streams.add(definition.name);
    const out = props.filter((p) =>
      parsed.some((r) => r.negated && r.stream.test(definition.name) && r.property.test(p)),
    );
    if (out.length > 0) excluded.set(definition.name, new Set(out));
  }
  return { streams, excluded };
}

describe("the tap's select rules", () => {
  const select = (project.plugins.extractors[0] as MeltanoPlugin).select ?? [];

  it("name only streams and properties the tap has", () => {
    for (const rule of select) {
      const [stream, property] = rule.replace(/^!/, "").split(".");
      const schema = STREAMS.some((s) => s.name === stream) ? streamSchema(stream as string) : undefined;
      expect(schema, rule).toBeDefined();
      if (property !== "*") expect(Object.keys(schema?.properties as object), rule).toContain(property);
    }
  });

  it("select the streams the tap syncs by default, and leave out only what they say", () => {
    const { streams, excluded } = applySelect(select);
    expect([...streams]).toEqual([...defaultSelection().streams]);
    expect(Object.fromEntries([...excluded].map(([s, p]) => [s, [...p]]))).toEqual({
      transcripts: ["transcript_vtt"],
    });
  });
});
