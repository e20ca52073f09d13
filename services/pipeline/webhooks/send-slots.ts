/**
 * At most `size` sends at once in this process, whatever the number of jobs running: a batch job's
 * deliveries and single ones share the slots, first come first served.
 */
export class SendSlots {
  private free: number;
  readonly size: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.size = size;
    this.free = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
