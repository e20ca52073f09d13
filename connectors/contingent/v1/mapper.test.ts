import { describe, expect, it } from 'vitest';
import { checkContingentV1Examples, contingentV1 } from './contract.ts';

/** Golden tests: one contingent v1 message in, the canonical command out, through contract and mapper. */
function decode(type: 'labellisation' | 'designation', json: unknown) {
  return contingentV1.decode(type, JSON.stringify(json), json);
}

describe('contingent v1 → canonical command', () => {
  it('labellisation → labellisation of the demande named by its numéro', () => {
    const json = {
      id: 'SYPLO-L-1',
      numeroUnique: '0591013000042LH59A',
      categorie: 'violences',
      dateLabellisation: '2014-02-11',
    };
    expect(decode('labellisation', json)).toStrictEqual({
      id: 'SYPLO-L-1',
      type: 'labellisation',
      raw: JSON.stringify(json),
      command: {
        type: 'labellisation',
        demande: { numeroUnique: '0591013000042LH59A' },
        categorie: 'violences',
        dateLabellisation: '2014-02-11',
      },
    });
  });

  it('designation → designation for the logement', () => {
    const json = {
      id: 'SYPLO-D-1',
      numeroUnique: '0591013000042LH59A',
      logement: '5900001234',
      dateDesignation: '2014-04-03',
    };
    expect(decode('designation', json).command).toStrictEqual({
      type: 'designation',
      demande: { numeroUnique: '0591013000042LH59A' },
      logement: '5900001234',
      dateDesignation: '2014-04-03',
    });
  });

  it('maps every example of the contract', () => {
    const checks = checkContingentV1Examples();
    expect(checks.map((c) => [c.file, c.type])).toEqual([
      ['designation.json', 'designation'],
      ['labellisation-sortie-hebergement.json', 'labellisation'],
      ['labellisation-violences.json', 'labellisation'],
    ]);
    for (const check of checks) {
      expect(check.errors).toEqual([]);
      expect(check.command?.type).toBe(check.type);
    }
  });
});

describe('contingent v1 contract', () => {
  it('says every violation with its JSON pointer', () => {
    const labellisation = decode('labellisation', {
      id: 'L-2',
      numeroUnique: '059101300004',
      categorie: 'urgence',
    });
    expect(labellisation.command).toBeUndefined();
    expect(labellisation.errors?.map((e) => e.path).sort()).toEqual([
      '/categorie',
      '/dateLabellisation',
      '/numeroUnique',
    ]);
    const designation = decode('designation', {
      id: 'D-2',
      numeroUnique: '0591013000042LH59A',
      logement: 'abc',
      dateDesignation: '2014-04-03',
    });
    expect(designation.errors).toEqual([
      {
        code: 'CONTRACT_INVALID',
        path: '/logement',
        message: 'must be an RPLS identifier of 10 characters (5900001234)',
      },
    ]);
  });
});
