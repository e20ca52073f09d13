import { describe, expect, it } from 'vitest';
import { identiteHash, normaliserNom } from './identite.ts';

describe('normaliserNom', () => {
  it.each([
    ['DUPONT', 'dupont'],
    ['  Dupont   ', 'dupont'],
    ['Élodie', 'elodie'],
    ['François', 'francois'],
    ['Jean-Marc', 'jean marc'],
    ['Jean  Marc', 'jean marc'],
    ['Jean – Marc', 'jean marc'],
    ["N'Diaye", 'n diaye'],
    ['N’Diaye', 'n diaye'],
    // Apostrophes that are also diacritics (modifier letters, spacing accents): spaces as well.
    ['N\u02BCDiaye', 'n diaye'],
    ['N\u02BBDiaye', 'n diaye'],
    ['N`Diaye', 'n diaye'],
    ['N´Diaye', 'n diaye'],
    ['N‘Diaye', 'n diaye'],
    ['Lœuillet', 'loeuillet'],
    ['LŒUILLET', 'loeuillet'],
    ['Lætitia', 'laetitia'],
    ['Ÿvette', 'yvette'],
  ])('%s → %s', (nom, attendu) => {
    expect(normaliserNom(nom)).toBe(attendu);
  });
});

describe('identiteHash', () => {
  const base = { nom: 'Lœuillet', prenom: 'Jean-Marc', dateNaissance: '1980-02-29' };

  it.each([
    ['the same identity typed without hyphen nor ligature', { nom: 'Loeuillet', prenom: 'Jean Marc' }, true],
    ['upper case and accents', { nom: 'LOEUILLET', prenom: 'JEAN-MARC' }, true],
    ['another prénom', { prenom: 'Jean' }, false],
    ['the names glued together', { prenom: 'Jeanmarc' }, false],
    ['another date de naissance', { dateNaissance: '1980-03-01' }, false],
  ])('%s: same person = %s', (_label, change, same) => {
    expect(identiteHash({ ...base, ...change }) === identiteHash(base)).toBe(same);
  });

  it('is the same for a name typed with any apostrophe', () => {
    const hashes = ["N'Diaye", 'N’Diaye', 'N\u02BCDiaye', 'N´Diaye', 'N Diaye'].map((nom) =>
      identiteHash({ nom, prenom: 'Awa', dateNaissance: '1990-05-12' }),
    );
    expect(new Set(hashes).size).toBe(1);
  });
});
