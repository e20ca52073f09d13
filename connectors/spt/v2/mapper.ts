import type { Command, DemandeRef, Menage, ModificationCommand } from '../../../services/core/commands.ts';
import type { V2Commune, V2Demande, V2Menage, V2Message } from './messages.ts';

/**
 * SPT v2 → canonical command. Pure; its input is a message already valid against its contract,
 * so every string parses.
 */
export function toCommand(message: V2Message): Command {
  switch (message.type) {
    case 'enregistrement': {
      const { body } = message;
      const { nom, prenom, dateNaissance, nationalite, adresse, email, telephone } = body.demandeur;
      return {
        type: 'enregistrement',
        ...(body.referenceGuichet === undefined ? {} : { referenceGuichet: body.referenceGuichet }),
        departement: body.departement,
        dateDepot: body.dateDepot,
        demandeur: {
          nom,
          prenom,
          dateNaissance,
          nationalite,
          ...optional({ adresse, email, telephone }),
        },
        menage: menage(body.menage),
        ressourcesMensuelles: Number(body.ressourcesMensuelles),
        typologie: body.typologie,
        communesSouhaitees: communes(body.communesSouhaitees),
        motif: body.motif,
      };
    }
    case 'modification': {
      const { body } = message;
      const changes: ModificationCommand['changes'] = {};
      if (body.demandeur) changes.demandeur = optional({ ...body.demandeur });
      if (body.menage) changes.menage = menage(body.menage);
      if (body.ressourcesMensuelles !== undefined)
        changes.ressourcesMensuelles = Number(body.ressourcesMensuelles);
      if (body.typologie) changes.typologie = body.typologie;
      if (body.communesSouhaitees) changes.communesSouhaitees = communes(body.communesSouhaitees);
      if (body.motif) changes.motif = body.motif;
      return { type: 'modification', demande: demande(body.demande), changes };
    }
    case 'renouvellement':
      return {
        type: 'renouvellement',
        demande: demande(message.body.demande),
        dateRenouvellement: message.body.dateRenouvellement,
      };
    case 'radiation': {
      const { body } = message;
      return {
        type: 'radiation',
        demande: demande(body.demande),
        motif: body.motif,
        ...(body.sousMotif === undefined ? {} : { sousMotif: body.sousMotif }),
        dateRadiation: body.dateRadiation,
      };
    }
    case 'attribution': {
      const { body } = message;
      return {
        type: 'attribution',
        demande: demande(body.demande),
        logement: body.logement,
        dateSignatureBail: body.dateSignatureBail,
        contingent: body.contingent,
        accordCollectif: body.accordCollectif === 'true' || body.accordCollectif === '1',
      };
    }
  }
}

function demande(ref: V2Demande): DemandeRef {
  return 'numeroUnique' in ref
    ? { numeroUnique: ref.numeroUnique }
    : { referenceGuichet: ref.referenceGuichet };
}

function menage(value: V2Menage): Menage {
  return {
    nombrePersonnes: Number(value.nombrePersonnes),
    ...(value.personnes?.length
      ? {
          personnes: value.personnes.map(({ nom, prenom, dateNaissance, lien }) => ({
            nom,
            prenom,
            dateNaissance,
            lien,
          })),
        }
      : {}),
  };
}

/** The INSEE codes, rank 1 first: senders may list them in any order. */
function communes(values: V2Commune[]): string[] {
  return [...values].sort((a, b) => Number(a.rang) - Number(b.rang)).map((commune) => commune.code);
}

/** The object without its undefined properties: the canonical form has absent fields, never `undefined` ones. */
function optional<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
