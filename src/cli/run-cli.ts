import { redact } from "../auth/redact.js";
import { TapError } from "../errors.js";

export interface RunCliOptions {
  /**
   * Said on stderr when the command is interrupted (Ctrl-C or SIGTERM), before it exits 130
   * (143 for SIGTERM): what was kept and how to resume. Without it, signals keep Node's default.
   */
  interrupted?: string;
}

/** Exit codes of every command, as the README documents them. */
export const EXIT = { ok: 0, failed: 1, badInput: 2, internal: 70, sigint: 130, sigterm: 143 } as const;

/**
 * Runs a command's main function: a user error becomes one paragraph on stderr and its exit
 * code; an unexpected error says so, with the stack only when TAP_USERTESTING_LOG_LEVEL=debug.
 */
export async function runCli(
  name: string,
  main: () => Promise<number>,
  options: RunCliOptions = {},
): Promise<void> {
  const { interrupted } = options;
  if (interrupted) {
    for (const [signal, code] of [
      ["SIGINT", EXIT.sigint],
      ["SIGTERM", EXIT.sigterm],
    ] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${name}: interrupted (${signal}). ${interrupted}\n`);
        process.exit(code);
      });
    }
  }
  try {
    const code = await main();
    process.exitCode = typeof code === "number" ? code : EXIT.ok;
  } catch (error) {
    if (error instanceof TapError) {
      process.stderr.write(`${name}: ${redact(error.message)}\n`);
      if (process.env.TAP_USERTESTING_LOG_LEVEL === "debug" && error.detail)
        process.stderr.write(`${redact(error.detail)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const detail =
      process.env.TAP_USERTESTING_LOG_LEVEL === "debug"
        ? `\n${redact(String((error as Error)?.stack ?? error))}`
        : "";
    process.stderr.write(
      `${name}: internal error: ${redact(String((error as Error)?.message ?? error))}. This is a bug; please report it (set TAP_USERTESTING_LOG_LEVEL=debug for details).${detail}\n`,
    );
    process.exitCode = EXIT.internal;
  }
}
