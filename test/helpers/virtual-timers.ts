import type { Timers } from "../../src/util/timers.js";

/**
 * Time that moves only when every task is waiting on it: `run` flushes pending work, then
 * jumps to the earliest sleeper. For logic with no real I/O (the request budget), this checks
 * behaviour over hours of simulated time in milliseconds, exactly.
 */
export class VirtualTimers implements Timers {
  private current: number;
  private sleepers: Array<{ at: number; seq: number; resolve: () => void }> = [];
  private seq = 0;

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.current + Math.max(0, ms), seq: this.seq++, resolve });
    });
  }

  /** Calls `tick` every `ms` of virtual time until the returned function is called (setInterval). */
  every(ms: number, tick: () => void): () => void {
    let stopped = false;
    void (async () => {
      while (!stopped) {
        await this.sleep(ms);
        if (!stopped) tick();
      }
    })();
    return () => {
      stopped = true;
    };
  }

  /** Runs until `done` settles, advancing time whenever all work is waiting. */
  async run<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    const result = done.finally(() => {
      finished = true;
    });
    while (!finished) {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      if (finished) break;
      this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.sleepers.shift();
      if (!next)
        throw new Error("VirtualTimers: nothing to wait for, but the work has not finished (deadlock)");
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
    return result;
  }
}
