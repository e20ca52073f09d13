import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageError } from '../../services/pipeline/inbound.ts';
import { capErrors, loadContract, MAX_MESSAGE_ERRORS } from './contract.ts';

/** The cap on the errors listed for one message: a receipt and a stored error stay small. */
const pgp = loadContract(new URL('../../contracts/pgp/v1/', import.meta.url), ['demande'], {
  shared: ['common'],
});

/** A valid demande: the contract's own published example. */
const demande = JSON.parse(
  readFileSync(new URL('../../contracts/pgp/v1/examples/demande-minimale.json', import.meta.url), 'utf8'),
);

const errorsAt = (count: number, prefix = '/e'): MessageError[] =>
  Array.from({ length: count }, (_, i) => ({
    code: 'CONTRACT_INVALID',
    path: `${prefix}/${i}`,
    message: 'bad',
  }));

describe('contract errors of one message', () => {
  it('lists the first 100 of thousands, then one error that says how many more there were', () => {
    // Distinct codes, so that uniqueItems holds: maxItems once, then one pattern error per commune.
    const communes = Array.from({ length: 5000 }, (_, i) => `X${i}`);
    const errors = pgp.validate('demande', { ...demande, communesSouhaitees: communes });
    expect(errors).toHaveLength(MAX_MESSAGE_ERRORS + 1);
    expect(errors[0]).toMatchObject({
      path: '/communesSouhaitees',
      message: 'must NOT have more than 10 items',
    });
    expect(errors[1]).toMatchObject({ code: 'CONTRACT_INVALID', path: '/communesSouhaitees/0' });
    expect(errors[MAX_MESSAGE_ERRORS - 1]).toMatchObject({ path: '/communesSouhaitees/98' });
    expect(errors[MAX_MESSAGE_ERRORS]).toEqual({
      code: 'CONTRACT_INVALID',
      path: '',
      message: '4901 more errors are not listed: only the first 100 are',
    });
  });

  it('lists every error up to the cap, and a valid message has none', () => {
    expect(pgp.validate('demande', demande)).toEqual([]);
    expect(capErrors(errorsAt(MAX_MESSAGE_ERRORS))).toEqual(errorsAt(MAX_MESSAGE_ERRORS));
    expect(capErrors(errorsAt(MAX_MESSAGE_ERRORS + 1)).at(-1)?.message).toBe(
      '1 more error is not listed: only the first 100 are',
    );
  });

  it('counts right when a capped list is capped again with more errors after it', () => {
    // As a version does that adds its own checks (duplicate ranks...) to its schema's errors.
    const schemaErrors = capErrors(errorsAt(150));
    const again = capErrors([...schemaErrors, ...errorsAt(30, '/rang')]);
    expect(again).toHaveLength(MAX_MESSAGE_ERRORS + 1);
    expect(again.slice(0, MAX_MESSAGE_ERRORS)).toEqual(errorsAt(MAX_MESSAGE_ERRORS));
    expect(again.at(-1)?.message).toBe('80 more errors are not listed: only the first 100 are');
  });

  it('finds a commune listed twice, however long the list, with the contract’s own message', () => {
    // uniqueItems in one pass (ajv's compared every pair: 60,000 communes took 9.7 s).
    const communes = Array.from({ length: 20_000 }, (_, i) => String(10_000 + i));
    const errors = pgp.validate('demande', { ...demande, communesSouhaitees: [...communes, communes[0]] });
    expect(errors).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: '/communesSouhaitees',
      message: 'must list each commune once',
    });
    expect(pgp.validate('demande', { ...demande, communesSouhaitees: ['59350', '59009'] })).toEqual([]);
    expect(pgp.validate('demande', { ...demande, communesSouhaitees: ['59350', '59350'] })).toEqual([
      { code: 'CONTRACT_INVALID', path: '/communesSouhaitees', message: 'must list each commune once' },
    ]);
  });
});
