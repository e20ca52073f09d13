import { describe, expect, it } from 'vitest';
import { InfocentreError } from './errors.ts';
import { resolveTerritoire, unionPerimetre } from './territoire.ts';

describe('resolveTerritoire', () => {
  it('resolves each level through the Code officiel géographique', () => {
    expect(resolveTerritoire('commune:59350')).toMatchObject({
      niveau: 'commune',
      nom: 'Lille',
      perimetre: { departements: [], communes: ['59350'] },
      departements: ['59'],
    });
    const mel = resolveTerritoire('epci:200093201');
    expect(mel.perimetre.communes).toContain('59512');
    expect(mel.perimetre.communes.length).toBeGreaterThan(80);
    expect(resolveTerritoire('departement:2A').perimetre.departements).toEqual(['2A']);
    expect(resolveTerritoire('region:32').perimetre.departements.sort()).toEqual([
      '02',
      '59',
      '60',
      '62',
      '80',
    ]);
    expect(resolveTerritoire('france').perimetre.departements.length).toBe(101);
  });

  it.each([
    ['pays:FR', 'TERRITOIRE_INVALIDE'],
    ['departement:', 'TERRITOIRE_INVALIDE'],
    ['commune:59350;drop', 'TERRITOIRE_INVALIDE'],
    ['departement:00', 'TERRITOIRE_INCONNU'],
    ['region:99', 'TERRITOIRE_INCONNU'],
    ['epci:123456789', 'TERRITOIRE_INCONNU'],
  ])('%s fails with %s', (code, error) => {
    expect(() => resolveTerritoire(code)).toThrow(InfocentreError);
    try {
      resolveTerritoire(code);
    } catch (e) {
      expect((e as InfocentreError).code).toBe(error);
    }
  });

  it('unites territoires counting each commune once', () => {
    const union = unionPerimetre([
      resolveTerritoire('commune:59350'),
      resolveTerritoire('departement:59'),
      resolveTerritoire('commune:62041'),
    ]);
    expect(union).toEqual({ departements: ['59'], communes: ['62041'] });
  });
});
