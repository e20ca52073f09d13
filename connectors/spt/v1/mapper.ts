import type { Command, DemandeRef, ModificationCommand } from '../../../services/core/commands.ts';
import {
  decoded,
  MOTIF_DEMANDE_CODES,
  MOTIF_RADIATION_CODES,
  NATIONALITE_CODES,
  SOUS_MOTIF_CODES,
  typologieOf,
} from './codes.ts';
import { isoDate } from './dates.ts';
import type { V1Communes, V1Demande, V1Message } from './messages.ts';

/**
 * SPT v1 → canonical command: the upcaster that keeps the legacy contract alive beside v2. Pure;
 * its input is a message already valid against its contract (codes known, dates real), so every
 * value converts.
 */
export function toCommand(message: V1Message): Command {
  switch (message.type) {
    case 'enregistrement': {
      const { body } = message;
      return {
        type: 'enregistrement',
        ...(body.RefInterne === undefined ? {} : { referenceGuichet: body.RefInterne }),
        departement: body.Dept,
        dateDepot: date(body.DateDepot),
        demandeur: {
          nom: body.Nom,
          prenom: body.Prenom,
          dateNaissance: date(body.DateNaissance),
          nationalite: decoded(NATIONALITE_CODES, body.Nationalite),
        },
        menage: { nombrePersonnes: Number(body.NbPersonnes) },
        ressourcesMensuelles: decimal(body.Ressources),
        typologie: typologieOf(body.NbPieces),
        communesSouhaitees: communes(body),
        motif: decoded(MOTIF_DEMANDE_CODES, body.Motif),
      };
    }
    case 'modification': {
      const { body } = message;
      const changes: ModificationCommand['changes'] = {};
      if (body.Nationalite !== undefined)
        changes.demandeur = { nationalite: decoded(NATIONALITE_CODES, body.Nationalite) };
      // v1 knows no personnes: its ménage is its size, and replaces the stored ménage whole as in v2.
      if (body.NbPersonnes !== undefined) changes.menage = { nombrePersonnes: Number(body.NbPersonnes) };
      if (body.Ressources !== undefined) changes.ressourcesMensuelles = decimal(body.Ressources);
      if (body.NbPieces !== undefined) changes.typologie = typologieOf(body.NbPieces);
      if (body.Commune1 !== undefined) changes.communesSouhaitees = communes(body);
      if (body.Motif !== undefined) changes.motif = decoded(MOTIF_DEMANDE_CODES, body.Motif);
      return { type: 'modification', demande: demande(body), changes };
    }
    case 'renouvellement':
      return {
        type: 'renouvellement',
        demande: demande(message.body),
        dateRenouvellement: date(message.body.DateRenouvellement),
      };
    case 'radiation': {
      const { body } = message;
      return {
        type: 'radiation',
        demande: demande(body),
        motif: decoded(MOTIF_RADIATION_CODES, body.Motif),
        ...(body.SousMotif === undefined ? {} : { sousMotif: decoded(SOUS_MOTIF_CODES, body.SousMotif) }),
        dateRadiation: date(body.DateRadiation),
      };
    }
    case 'attribution': {
      const { body } = message;
      // v1 predates contingents and accords collectifs: the bailleur attributes on its own stock.
      return {
        type: 'attribution',
        demande: demande(body),
        logement: body.IdRpls,
        dateSignatureBail: date(body.DateBail),
        contingent: 'bailleur',
        accordCollectif: false,
      };
    }
  }
}

function demande(ref: V1Demande): DemandeRef {
  return 'NumUnique' in ref ? { numeroUnique: ref.NumUnique } : { referenceGuichet: ref.RefInterne };
}

/** `Commune1`..`Commune5` in rank order (the contract numbers them without gaps). */
function communes(body: V1Communes): string[] {
  return [body.Commune1, body.Commune2, body.Commune3, body.Commune4, body.Commune5].filter(
    (code): code is string => code !== undefined,
  );
}

/** `1450,5` → 1450.5. */
function decimal(value: string): number {
  return Number(value.replace(',', '.'));
}

function date(value: string): string {
  const iso = isoDate(value);
  if (iso === undefined)
    throw new Error(`SPT v1 date ${value} is not a calendar date: the decoder let it through.`);
  return iso;
}
