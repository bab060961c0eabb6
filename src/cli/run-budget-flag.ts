import type { TapConfig } from "../config/config.js";
import { ConfigError } from "../errors.js";

/** `--max-run-minutes N` over the max_run_minutes setting: a number of minutes above 0. */
export function withRunBudget(config: TapConfig, flag: string | undefined, command: string): TapConfig {
  if (flag === undefined) return config;
  const minutes = Number(flag);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 10_080)
    throw new ConfigError(
      `--max-run-minutes must be a number of minutes above 0 (at most 10080, a week), not '${flag}'. Run ${command} --help for the options.`,
    );
  return { ...config, maxRunMs: minutes * 60_000 };
}
