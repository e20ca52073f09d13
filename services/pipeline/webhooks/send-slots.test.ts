import { describe, expect, it } from 'vitest';
import { SendSlots } from './send-slots.ts';

describe('SendSlots', () => {
  it('runs every task, never more than its size at once, and frees a slot when a task throws', async () => {
    const slots = new SendSlots(3);
    let running = 0;
    let most = 0;
    const task = async (i: number) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, i % 4));
      running--;
      if (i % 5 === 0) throw new Error(`task ${i}`);
      return i;
    };
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => slots.run(() => task(i))));
    expect(most).toBe(3);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(8);
    expect(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))).toHaveLength(32);
    // All slots are free again: three tasks start at once.
    running = 0;
    most = 0;
    await Promise.all([0, 1, 2].map((i) => slots.run(() => task(i + 1))));
    expect(most).toBe(3);
  });
});
