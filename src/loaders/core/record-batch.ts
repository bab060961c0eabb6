import type { TableSpec } from "./columns.js";

/**
 * One stream's records of one flush, as every loader receives them: NDJSON, one line per
 * record, each line the RECORD message exactly as it arrived (already validated by the core)
 * wrapped with what the core adds:
 *
 *   {"q":<_sdc_sequence>,"r":"<_sdc_received_at>","m":<the Singer RECORD message>}
 *
 * Handing over the bytes as they came, instead of values, lets the warehouse parse and
 * convert them with its own bulk reader (DuckDB's read_json, a Snowflake COPY, a BigQuery load
 * job), which is many times faster than converting every value in JavaScript. A column's
 * value is `m.record.<column>`; the _sdc columns take the record's own value when it has
 * one, else `m.time_extracted`, `r`, `batchedAt` and `q`.
 */
export interface RecordBatch {
  spec: TableSpec;
  ndjson: Buffer;
  rows: number;
  /** The input line number of each record, in batch order: warehouse errors name the batch's line. */
  inputLines: number[];
  /** The longest line's length in bytes (bulk readers bound the size of one object). */
  largestLine: number;
  /** _sdc_batched_at of every row: when the flush began, RFC 3339 UTC. */
  batchedAt: string;
}

const CLOSE = 0x7d; // }
const NEWLINE = 0x0a;
/** More than the wrapper adds to a line besides the received-at text: ASCII digits and punctuation. */
const WRAPPER_BYTES = 64;

/** The records of one stream waiting for the next flush. */
export class RecordBuffer {
  private lines: Buffer[] = [];
  private sequences: number[] = [];
  private receivedAts: string[] = [];
  private inputLines: number[] = [];
  private byteCount = 0;
  private largestLine = 0;

  get rows(): number {
    return this.lines.length;
  }

  add(line: Buffer, sequence: number, receivedAt: string, inputLine: number): void {
    this.lines.push(line);
    this.inputLines.push(inputLine);
    this.sequences.push(sequence);
    this.receivedAts.push(receivedAt);
    const wrapped = line.length + WRAPPER_BYTES + receivedAt.length;
    this.byteCount += wrapped;
    if (wrapped > this.largestLine) this.largestLine = wrapped;
  }

  /** The buffered records as a batch, leaving the buffer empty. */
  take(spec: TableSpec, batchedAt: string): RecordBatch {
    const ndjson = Buffer.allocUnsafe(this.byteCount);
    let at = 0;
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i] as Buffer;
      at += ndjson.write(`{"q":${this.sequences[i]},"r":"${this.receivedAts[i]}","m":`, at, "latin1");
      // TypedArray#set: a plain memcpy, without Buffer#copy's argument handling per call.
      ndjson.set(line, at);
      at += line.length;
      ndjson[at++] = CLOSE;
      ndjson[at++] = NEWLINE;
    }
    const batch = {
      spec,
      ndjson: ndjson.subarray(0, at),
      rows: this.lines.length,
      inputLines: this.inputLines,
      largestLine: this.largestLine,
      batchedAt,
    };
    this.lines = [];
    this.sequences = [];
    this.receivedAts = [];
    this.inputLines = [];
    this.byteCount = 0;
    this.largestLine = 0;
    return batch;
  }
}
