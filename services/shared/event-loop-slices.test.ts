import { describe, expect, it } from 'vitest';
import { EventLoopSlices } from './event-loop-slices.ts';

describe('EventLoopSlices', () => {
  it('lets other work run once a slice of work is used up, and not before', async () => {
    let clock = 0;
    const order: string[] = [];
    setImmediate(() => order.push('other request'));
    const slices = new EventLoopSlices(2, () => clock);
    clock = 1;
    await slices.next();
    order.push('turn 1 (1 ms of work)');
    clock = 2;
    await slices.next();
    order.push('turn 2 (2 ms: the slice is used up)');
    clock = 3;
    await slices.next();
    order.push('turn 3 (a new slice)');
    expect(order).toEqual([
      'turn 1 (1 ms of work)',
      'other request',
      'turn 2 (2 ms: the slice is used up)',
      'turn 3 (a new slice)',
    ]);
  });
});
