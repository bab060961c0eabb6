import { redact } from "../auth/redact.js";
import { TapError } from "../errors.js";

/**
 * Runs a command's main function: a user error becomes one paragraph on stderr and its exit
 * code; an unexpected error says so, with the stack only when TAP_USERTESTING_LOG_LEVEL=debug.
 */
export async function runCli(name: string, main: () => Promise<number>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === "number" ? code : 0;
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
    process.exitCode = 70;
  }
}
