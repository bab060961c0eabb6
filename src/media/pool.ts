/**
 * Runs tasks with at most `size` at once, in the order given; `idle()` resolves once every task
 * given so far has settled. A task's failure is its caller's: `run` rejects with it.
 */
export class Pool {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly size: number) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.slot().then(async () => {
      try {
        return await task();
      } finally {
        this.running -= 1;
        this.waiting.shift()?.();
      }
    });
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return result;
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private async slot(): Promise<void> {
    while (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running += 1;
  }
}
