import { describe, expect, it } from 'vitest';
import { filterCondition, periodProblems } from './message-filter.ts';

describe('filterCondition', () => {
  it('is true when empty', () => {
    expect(filterCondition({})).toEqual({ sql: 'true', params: [] });
  });

  it('numbers its parameters from the given one, in a fixed order', () => {
    expect(
      filterCondition(
        { status: 'failed', errorCode: 'DOUBLON', client: 'c', receivedSince: '2026-01-01T00:00:00Z' },
        3,
      ),
    ).toEqual({
      sql: "m.status = 'failed' AND m.client_id = $3 AND m.error IS NOT NULL AND m.error->>'code' = $4 AND m.received_at >= $5::timestamptz",
      params: ['c', 'DOUBLON', '2026-01-01T00:00:00Z'],
    });
  });

  it('writes the status as a literal, so that the planner sees which partial indexes hold it, and only a known one', () => {
    expect(filterCondition({ status: 'accepted' })).toEqual({ sql: "m.status = 'accepted'", params: [] });
    expect(filterCondition({ status: 'applied' }).sql).toBe("m.status = 'applied'");
    expect(() => filterCondition({ status: "failed' OR true --" as never })).toThrow(/not a message status/);
  });

  it('never puts a value given by a caller in the SQL text (a status is one of a closed set)', () => {
    const { sql } = filterCondition({
      system: "x' OR true --",
      type: 'a',
      from: 'b',
      to: 'c',
      receivedUntil: 'd',
    });
    expect(sql).not.toContain("x'");
    expect(sql).toBe(
      'm.system = $1 AND m.type = $2 AND m.updated_at >= $3::timestamptz AND m.updated_at < $4::timestamptz AND m.received_at < $5::timestamptz',
    );
  });
});

describe('periodProblems', () => {
  const cases: [string, Parameters<typeof periodProblems>[0], string[]][] = [
    ['no period', {}, []],
    ['from only', { from: '2026-01-02T00:00:00Z' }, []],
    ['from before to', { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, []],
    ['to before from', { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, ['/to']],
    ['empty period', { from: '2026-01-02T00:00:00Z', to: '2026-01-02T00:00:00Z' }, ['/to']],
    [
      'received the wrong way round',
      { receivedSince: '2026-01-02T00:00:00+01:00', receivedUntil: '2026-01-01T22:30:00Z' },
      ['/receivedUntil'],
    ],
  ];
  it.each(cases)('%s', (_label, filter, paths) => {
    expect(periodProblems(filter).map((p) => p.path)).toEqual(paths);
  });
});
