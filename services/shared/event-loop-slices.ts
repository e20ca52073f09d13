import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * A long loop's turns, cut into slices of about `sliceMs` of work: `next()` gives the event loop back
 * once a slice is used up, so that a lot of 500 messages or an RPLS file does not hold every other
 * request of the process (a single filing's 202) for the whole of its work.
 */
export class EventLoopSlices {
  private sliceStart: number;

  constructor(
    private readonly sliceMs = 2,
    /** The clock, in ms (tests set it). */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.sliceStart = now();
  }

  async next(): Promise<void> {
    if (this.now() - this.sliceStart < this.sliceMs) return;
    await yieldToEventLoop();
    this.sliceStart = this.now();
  }
}
