import { redact } from "../auth/redact.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go: stderr in production, an array in tests. */
export type LogSink = (line: string) => void;

/**
 * Logs to stderr only (stdout carries machine messages). Every line goes through `redact`,
 * so no caller can leak a secret by accident.
 */
export class Logger {
  constructor(
    private readonly sink: LogSink = (line) => process.stderr.write(`${line}\n`),
    private readonly level: LogLevel = (process.env.TAP_USERTESTING_LOG_LEVEL as LogLevel | undefined) ??
      "info",
  ) {}

  debug(message: string): void {
    this.write("debug", message);
  }

  info(message: string): void {
    this.write("info", message);
  }

  warn(message: string): void {
    this.write("warn", message);
  }

  error(message: string): void {
    this.write("error", message);
  }

  private write(level: LogLevel, message: string): void {
    if (ORDER[level] < (ORDER[this.level] ?? ORDER.info)) return;
    this.sink(redact(`${level.toUpperCase()} ${message}`));
  }
}

/** Collects lines in memory (tests grep them). */
export function memoryLogger(level: LogLevel = "debug"): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: new Logger((line) => lines.push(line), level), lines };
}
