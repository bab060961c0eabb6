import { EXIT } from "./run-cli.js";

/** A local server's CLI: Ctrl-C or SIGTERM closes the server, says so, and exits 130 or 143. */
export function closeOnSignals(name: string, close: () => Promise<void>): void {
  for (const [signal, code] of [
    ["SIGINT", EXIT.sigint],
    ["SIGTERM", EXIT.sigterm],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`${name}: ${signal}, stopping\n`);
      close().finally(() => process.exit(code));
    });
  }
}
