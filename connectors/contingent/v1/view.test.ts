import { describe, expect, it } from 'vitest';
import type { Demande } from '../../../services/core/demande.ts';
import { toContingentDemande } from './view.ts';

const demande: Demande = {
  numeroUnique: '0591013000042LH59A',
  departement: '59',
  dateDepot: '2013-10-04',
  codeGuichet: 'LH59A',
  organisme: '123456789',
  identiteHash: 'abc',
  demandeur: {
    nom: 'Lefèvre',
    prenom: 'Hélène',
    dateNaissance: '1980-02-29',
    nationalite: 'HORS_UE',
    adresse: '5 rue de la Paix, 59000 Lille',
    telephone: '0600000000',
  },
  menage: {
    nombrePersonnes: 2,
    personnes: [{ nom: 'L', prenom: 'P', dateNaissance: '2010-01-01', lien: 'enfant' }],
  },
  ressourcesMensuelles: 900,
  typologie: 'T2',
  communesSouhaitees: ['59350'],
  motif: 'violences',
  statut: 'active',
  dateEcheance: '2014-10-04',
  prioritaire: { categorie: 'violences', dateLabellisation: '2014-02-11' },
};

describe('canonical demande → contingent v1 list item', () => {
  it('shows who to reach and why the demande is a priority; no date of birth, nationalité, resources or members', () => {
    expect(toContingentDemande(demande)).toStrictEqual({
      numeroUnique: '0591013000042LH59A',
      departement: '59',
      dateDepot: '2013-10-04',
      typologie: 'T2',
      communesSouhaitees: ['59350'],
      nombrePersonnes: 2,
      demandeur: {
        nom: 'Lefèvre',
        prenom: 'Hélène',
        adresse: '5 rue de la Paix, 59000 Lille',
        telephone: '0600000000',
      },
      prioritaire: { categorie: 'violences', dateLabellisation: '2014-02-11' },
    });
  });
});
