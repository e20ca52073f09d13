import { describe, expect, it } from 'vitest';
import type { Demande } from '../../../services/core/demande.ts';
import { daysBetween, toDaloDemande } from './view.ts';

const demande: Demande = {
  numeroUnique: '0591013000042LH59A',
  departement: '59',
  dateDepot: '2013-10-04',
  codeGuichet: 'LH59A',
  organisme: '123456789',
  referenceGuichet: 'LH-1',
  identiteHash: 'abc',
  demandeur: {
    nom: 'Lefèvre',
    prenom: 'Hélène',
    dateNaissance: '1980-02-29',
    nationalite: 'FR',
    email: 'helene@example.org',
    telephone: '0600000000',
  },
  menage: {
    nombrePersonnes: 3,
    personnes: [{ nom: 'L', prenom: 'P', dateNaissance: '2010-01-01', lien: 'enfant' }],
  },
  ressourcesMensuelles: 1450,
  typologie: 'T3',
  communesSouhaitees: ['59350', '59512'],
  motif: 'sans-logement',
  statut: 'radiee',
  dateEcheance: '2014-10-04',
  radiation: { motif: 'abandon', dateRadiation: '2014-05-02' },
  dalo: { decision: 'prioritaire-urgent', dateDecision: '2014-03-18', departementCommission: '59' },
};

describe('canonical demande → DALO v1 view', () => {
  it('shows identity, ancienneté, DALO and radiation; no resources, contacts or ménage members', () => {
    expect(toDaloDemande(demande, '2014-10-04')).toStrictEqual({
      numeroUnique: '0591013000042LH59A',
      statut: 'radiee',
      departement: '59',
      dateDepot: '2013-10-04',
      ancienneteJours: 365,
      typologie: 'T3',
      communesSouhaitees: ['59350', '59512'],
      menage: { nombrePersonnes: 3 },
      demandeur: { nom: 'Lefèvre', prenom: 'Hélène', dateNaissance: '1980-02-29' },
      dalo: { decision: 'prioritaire-urgent', dateDecision: '2014-03-18', departementCommission: '59' },
      radiation: { motif: 'abandon', dateRadiation: '2014-05-02' },
    });
  });

  it('counts calendar days, across leap years and daylight-saving changes', () => {
    expect(daysBetween('2014-03-01', '2014-03-01')).toBe(0);
    expect(daysBetween('2014-03-29', '2014-03-31')).toBe(2);
    expect(daysBetween('2016-02-28', '2016-03-01')).toBe(2);
    expect(daysBetween('2013-10-04', '2023-10-04')).toBe(3652);
  });
});
