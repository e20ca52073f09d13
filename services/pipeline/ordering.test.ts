import { describe, expect, it } from 'vitest';
import { splitReady } from './ordering.ts';

const row = (seq: number, ...keys: string[]) => ({ seq: String(seq), keys });
const keysOf = (r: { keys: string[] }) => r.keys;

describe('splitReady', () => {
  it('lets through messages whose keys no earlier message holds', () => {
    const rows = [row(10, 'a'), row(11, 'b')];
    const { ready, deferred } = splitReady(rows, keysOf, new Map([['a', 20n]]));
    expect(ready).toEqual(rows);
    expect(deferred).toEqual([]);
  });

  it('holds a message behind an earlier pending one, and what follows it on the same keys', () => {
    const rows = [row(10, 'a'), row(11, 'a'), row(12, 'c')];
    const { ready, deferred } = splitReady(rows, keysOf, new Map([['a', 5n]]));
    expect(deferred.map((r) => r.seq)).toEqual(['10', '11']);
    expect(ready.map((r) => r.seq)).toEqual(['12']);
  });

  it('holds a later message on a second key of a waiting one, even when that key is held later outside', () => {
    // 100 waits on `j` (held by 50); 200 shares `k` with 100, and `k` is held outside only from 900.
    const rows = [row(100, 'j', 'k'), row(200, 'k')];
    const { ready, deferred } = splitReady(
      rows,
      keysOf,
      new Map([
        ['j', 50n],
        ['k', 900n],
      ]),
    );
    expect(deferred.map((r) => r.seq)).toEqual(['100', '200']);
    expect(ready).toEqual([]);
  });
});
