import { describe, expect, it } from 'vitest';
import { checkDaloV1Examples, daloV1 } from './contract.ts';

/** Golden tests: one DALO v1 message in, the canonical command out, through contract and mapper. */
function decode(json: unknown) {
  return daloV1.decode('decision', JSON.stringify(json), json);
}

const decision = {
  id: 'COMDALO-59-1',
  numeroUnique: '0591013000042LH59A',
  decision: 'prioritaire-urgent',
  dateDecision: '2014-03-18',
  departementCommission: '59',
};

describe('DALO v1 → canonical command', () => {
  it('decision → dalo-decision on the demande named by its numéro', () => {
    expect(decode(decision)).toStrictEqual({
      id: 'COMDALO-59-1',
      type: 'decision',
      raw: JSON.stringify(decision),
      command: {
        type: 'dalo-decision',
        demande: { numeroUnique: '0591013000042LH59A' },
        decision: 'prioritaire-urgent',
        dateDecision: '2014-03-18',
        departementCommission: '59',
      },
    });
  });

  it('maps every example of the contract', () => {
    const checks = checkDaloV1Examples();
    expect(checks.map((c) => c.file)).toEqual([
      'decision-prioritaire-urgent.json',
      'decision-rejet.json',
      'decision-sans-objet.json',
    ]);
    for (const check of checks) {
      expect(check.errors).toEqual([]);
      expect(check.command?.type).toBe('dalo-decision');
    }
    expect(checks.map((c) => (c.command?.type === 'dalo-decision' ? c.command.decision : ''))).toEqual([
      'prioritaire-urgent',
      'rejet',
      'sans-objet',
    ]);
  });
});

describe('DALO v1 contract', () => {
  it('says every violation with its JSON pointer, and maps nothing', () => {
    const message = decode({
      ...decision,
      decision: 'favorable',
      dateDecision: '2014-02-30',
      departementCommission: '99',
      numeroUnique: undefined,
      motif: 'x',
    });
    expect(message.command).toBeUndefined();
    expect(message.errors?.map((e) => e.path).sort()).toEqual([
      '/dateDecision',
      '/decision',
      '/departementCommission',
      '/motif',
      '/numeroUnique',
    ]);
    expect(message.errors).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: '/dateDecision',
      message: 'must be a real calendar date YYYY-MM-DD',
    });
    expect(message.errors).toContainEqual({
      code: 'CONTRACT_INVALID',
      path: '/decision',
      message: 'must be one of "prioritaire-urgent", "rejet", "sans-objet"',
    });
  });

  it('keeps the id of an invalid message, and refuses a body that is not an object', () => {
    expect(decode({ ...decision, id: 'bad id!' }).errors).toContainEqual(
      expect.objectContaining({ path: '/id' }),
    );
    expect(decode({ ...decision, dateDecision: 'x' }).id).toBe('COMDALO-59-1');
    const array = decode([decision]);
    expect(array).toMatchObject({ id: '', errors: [{ code: 'CONTRACT_INVALID', path: '' }] });
  });
});
