import { describe, expect, it } from 'vitest';
import { masquerQualite, qualiteDe } from './qualite.ts';
import type { QualiteGuichetBrute } from './queries.ts';

const brut = (overrides: Partial<QualiteGuichetBrute>): QualiteGuichetBrute => ({
  clientId: 'b59',
  nom: 'Bailleur',
  codeGuichet: 'B59AA',
  role: 'bailleur',
  demandesEnregistrees: 15,
  enregistrementsTardifs: 0,
  delaiMoyenEnregistrementJours: 3,
  avecContact: 0,
  avecRessources: 15,
  messagesRecus: 40,
  messagesRejetes: 0,
  messagesEchoues: 0,
  doublonsRefuses: 0,
  modifications: 0,
  renouvellements: 0,
  radiations: {},
  radiationsTardives: 0,
  attributions: 12,
  attributionsTardives: 12,
  delaiMoyenAttributionJours: 40,
  ...overrides,
});

describe('secrecy of the guichets’ quality', () => {
  // A share of a published total gives its numerator back: 15 × 60 % = 9. Masked with it.
  it.each<[string, Partial<QualiteGuichetBrute>, string, string, number | null, number | null]>([
    ['9 of 15 with a contact', { avecContact: 9 }, 'avecContact', 'avecContactPourcent', null, null],
    [
      '8 of 15 with ressources',
      { avecRessources: 8 },
      'avecRessources',
      'avecRessourcesPourcent',
      null,
      null,
    ],
    [
      '5 of 15 received late',
      { enregistrementsTardifs: 5 },
      'enregistrementsPlusUnMois',
      'enregistrementsPlusUnMoisPourcent',
      null,
      null,
    ],
    [
      '7 of 12 attributions received late',
      { attributionsTardives: 7 },
      'attributionsPlusUnMois',
      'attributionsPlusUnMoisPourcent',
      null,
      null,
    ],
    ['none with a contact: zero is shown', { avecContact: 0 }, 'avecContact', 'avecContactPourcent', 0, 0],
    ['all 15 with ressources', { avecRessources: 15 }, 'avecRessources', 'avecRessourcesPourcent', 15, 100],
    [
      '5 of 40 messages rejected',
      { messagesRejetes: 5 },
      'messagesRejetes',
      'messagesRejetesPourcent',
      null,
      null,
    ],
    [
      '3 of 40 messages failed',
      { messagesEchoues: 3 },
      'messagesEchoues',
      'messagesEchouesPourcent',
      null,
      null,
    ],
  ])('%s', (_label, overrides, count, share, maskedCount, maskedShare) => {
    const [guichet] = masquerQualite(qualiteDe('59', '2014-01-01', '2014-06-30', [brut(overrides)])).guichets;
    const published = guichet as unknown as Record<string, unknown>;
    expect([published[count], published[share]]).toEqual([maskedCount, maskedShare]);
    expect(guichet?.demandesEnregistrees).toBe(15);
    if (maskedCount === null) expect(guichet?.secret).toBe(true);
  });
});
