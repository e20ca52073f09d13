import { describe, expect, it } from 'vitest';
import { EventLoopSlices } from './event-loop-slices.ts';

describe('EventLoopSlices', () => {
  it('lets other work run once a slice of work is used up, and not before', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('other request'));
    const slices = new EventLoopSlices(5);
    await slices.next();
    order.push('turn 1 (no work yet)');
    const busyUntil = performance.now() + 6;
    while (performance.now() < busyUntil) {
      // a slice's worth of work
    }
    await slices.next();
    order.push('turn 2 (after a slice of work)');
    expect(order).toEqual(['turn 1 (no work yet)', 'other request', 'turn 2 (after a slice of work)']);
  });
});
