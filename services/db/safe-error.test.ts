import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { safeErrorFields, safeErrorSummary } from './safe-error.ts';

/** A PostgreSQL error as node-postgres builds it from the server's reply. */
function databaseError(fields: Partial<pg.DatabaseError>): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(fields.message ?? 'error', 100, 'error'), fields);
}

describe('safe errors', () => {
  const duplicate = databaseError({
    message: 'duplicate key value violates unique constraint "demandes_identite_active"',
    code: '23505',
    constraint: 'demandes_identite_active',
    table: 'demandes',
    detail: 'Key (departement, identite_hash)=(59, 5f2c…) already exists.',
    where: "unnamed portal parameter $1 = 'Dupont'",
    routine: '_bt_check_unique',
  });

  it('keeps the SQLSTATE, constraint and table of a PostgreSQL error, never its detail, where or message', () => {
    const fields = safeErrorFields(duplicate);
    expect(fields).toMatchObject({
      type: 'DatabaseError',
      code: '23505',
      constraint: 'demandes_identite_active',
      table: 'demandes',
    });
    const text = JSON.stringify(fields);
    expect(text).not.toContain('Key (');
    expect(text).not.toContain('Dupont');
    expect(text).not.toContain('duplicate key value');
  });

  it('summarises it by SQLSTATE class, without the value it choked on', () => {
    const outOfRange = databaseError({
      message: 'date/time field value out of range: "0000-01-01"',
      code: '22008',
    });
    expect(safeErrorSummary(outOfRange)).toBe(
      'PostgreSQL 22008: a value the registry cannot store (out of range or invalid text)',
    );
    expect(safeErrorSummary(duplicate)).toMatch(/^PostgreSQL 23505 on demandes_identite_active: /);
  });

  it('keeps the message of an error that is not PostgreSQL’s', () => {
    expect(safeErrorFields(new TypeError('x is undefined'))).toMatchObject({
      type: 'TypeError',
      message: 'x is undefined',
    });
  });
});
