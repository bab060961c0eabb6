import { TapError } from "../../errors.js";

/** The Singer input is unusable: not JSON, a RECORD before its SCHEMA, a record its schema refuses. */
export class TargetInputError extends TapError {
  readonly code = "TARGET_INPUT_INVALID";
  override readonly exitCode = 2;

  constructor(
    readonly line: number,
    readonly stream: string | null,
    reason: string,
  ) {
    super(
      `Input line ${line}${stream ? ` (stream ${stream})` : ""}: ${reason}. Nothing after the last STATE written was committed; fix the input and run again.`,
    );
  }
}

/** The warehouse refused a statement. */
export class LoaderError extends TapError {
  readonly code = "LOADER_FAILED";
}
