import { type PluginAbout, pluginAbout, renderAbout } from "../tap/about.js";
import type { TargetFactory } from "./targets.js";

/**
 * Every loader's Meltano capabilities: `about` alone. Left out of the loader enum of meltano's
 * `meltano.schema.json`, each for a reason: `stream-maps`, `schema-flattening`, `batch` (not
 * implemented); `activate-version`, `soft-delete`, `hard-delete` (ACTIVATE_VERSION is accepted but
 * versions are not tracked, src/loaders/core/target-core.ts); `datatype-failsafe` (a schema whose
 * type is not a JSON Schema type is refused, not loaded as text); `structured-logging` (our logs
 * are lines, not the SDK's JSON).
 */
export const TARGET_CAPABILITIES = ["about"] as const;

/** target-<name>'s about, from its settings schema. */
export function targetAbout(target: TargetFactory, command: string): PluginAbout {
  return pluginAbout({
    name: command,
    description: target.description,
    capabilities: TARGET_CAPABILITIES,
    settingsFile: target.settings.file,
    envVarPrefix: target.settings.envPrefix,
  });
}

/** --about for a target, json or markdown. */
export function targetAboutText(target: TargetFactory, command: string, format: "json" | "markdown"): string {
  return renderAbout(targetAbout(target, command), format);
}
