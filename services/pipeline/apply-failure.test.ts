import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { failureOf, isTransient } from './apply-failure.ts';

function databaseError(code: string, constraint?: string): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(`error ${code}`, 100, 'error'), {
    code,
    ...(constraint ? { constraint } : {}),
    detail: 'Key (departement, identite_hash)=(59, secret) already exists.',
  });
}

describe('isTransient', () => {
  it.each([
    [databaseError('40001'), true],
    [databaseError('40P01'), true],
    [databaseError('57P01'), true],
    [databaseError('08006'), true],
    [databaseError('53300'), true],
    [databaseError('55P03'), true],
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), true],
    [new Error('Connection terminated unexpectedly'), true],
    [databaseError('22008'), false],
    [databaseError('22021'), false],
    [databaseError('23505', 'demandes_identite_active'), false],
    [databaseError('55000'), false],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), false],
  ])('%s → %s', (error, expected) => {
    expect(isTransient(error)).toBe(expected);
  });
});

describe('failureOf', () => {
  it('reads the unique index on active identities as the doublon rule it stands for', () => {
    expect(failureOf(databaseError('23505', 'demandes_identite_active'))).toMatchObject({ code: 'DOUBLON' });
  });

  it('reads the unique index on references as REFERENCE_GUICHET_EXISTANTE', () => {
    expect(failureOf(databaseError('23505', 'demandes_reference'))).toMatchObject({
      code: 'REFERENCE_GUICHET_EXISTANTE',
    });
  });

  it('fails anything else as APPLY_ERROR, with the SQLSTATE and never the detail', () => {
    const failure = failureOf(databaseError('22008'));
    expect(failure.code).toBe('APPLY_ERROR');
    expect(failure.message).toContain('PostgreSQL 22008');
    expect(failure.message).not.toContain('secret');
  });

  it('fails a transient error past the last attempt as RETRIES_EXHAUSTED', () => {
    expect(failureOf(databaseError('40P01'), { transient: true }).code).toBe('RETRIES_EXHAUSTED');
  });
});
