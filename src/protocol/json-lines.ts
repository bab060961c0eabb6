import type { Writable } from "node:stream";
import { OutputClosedError } from "../errors.js";

/** A consumer's own error passes through (a loader's, in-process); a closed pipe becomes one clear error. */
function outputFailure(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (
    error instanceof Error &&
    !["EPIPE", "ERR_STREAM_DESTROYED", "ERR_STREAM_WRITE_AFTER_END"].includes(code ?? "")
  )
    return error;
  return new OutputClosedError(
    `The output closed while the tap was writing (${code ?? "stream closed"}): whatever reads the tap's stdout stopped; see its messages. The last STATE it confirmed is where the next run resumes.`,
  );
}

/**
 * One JSON object a line on stdout, each write awaited, so a slow consumer slows the tap
 * instead of filling its memory. Both protocols' writers send through it.
 */
export class JsonLines {
  messages = 0;

  constructor(private readonly out: Writable) {
    // Failures arrive through each write's callback; the stream's 'error' event must not crash the process.
    out.on("error", () => undefined);
  }

  async write(message: unknown): Promise<void> {
    this.messages += 1;
    const line = `${JSON.stringify(message)}\n`;
    // Resolves once the line is handed on (a pipe's buffer, or an in-process target that has
    // taken it), and rejects if the consumer failed: a broken consumer stops the tap at once.
    await new Promise<void>((resolve, reject) => {
      if (this.out.destroyed) {
        reject(outputFailure(this.out.errored));
        return;
      }
      this.out.write(line, (error) => (error ? reject(outputFailure(error)) : resolve()));
    });
  }
}
