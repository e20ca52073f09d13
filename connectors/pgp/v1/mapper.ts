import type {
  EnregistrementCommand,
  Menage,
  ModificationCommand,
  RadiationCommand,
  RenouvellementCommand,
} from '../../../services/core/commands.ts';
import type { PgpAbandon, PgpDemande, PgpModification, PgpRenouvellement } from './messages.ts';

/**
 * PGP v1 → canonical commands, one pure function per message type; each takes a message already
 * valid against its contract. The contract speaks the canonical model, so mapping is mostly
 * dropping the envelope (`id`) and naming the demande; an abandon is a radiation, motif `abandon`.
 */

export function demandeToCommand(body: PgpDemande): EnregistrementCommand {
  const { nom, prenom, dateNaissance, nationalite, adresse, email, telephone } = body.demandeur;
  return {
    type: 'enregistrement',
    departement: body.departement,
    dateDepot: body.dateDepot,
    demandeur: { nom, prenom, dateNaissance, nationalite, ...defined({ adresse, email, telephone }) },
    menage: menage(body.menage),
    ressourcesMensuelles: body.ressourcesMensuelles,
    typologie: body.typologie,
    communesSouhaitees: [...body.communesSouhaitees],
    motif: body.motif,
  };
}

export function modificationToCommand(body: PgpModification): ModificationCommand {
  const changes: ModificationCommand['changes'] = {};
  if (body.demandeur) {
    const { nationalite, adresse, email, telephone } = body.demandeur;
    changes.demandeur = defined({ nationalite, adresse, email, telephone });
  }
  if (body.menage) changes.menage = menage(body.menage);
  if (body.ressourcesMensuelles !== undefined) changes.ressourcesMensuelles = body.ressourcesMensuelles;
  if (body.typologie) changes.typologie = body.typologie;
  if (body.communesSouhaitees) changes.communesSouhaitees = [...body.communesSouhaitees];
  if (body.motif) changes.motif = body.motif;
  return { type: 'modification', demande: { numeroUnique: body.numeroUnique }, changes };
}

export function renouvellementToCommand(body: PgpRenouvellement): RenouvellementCommand {
  return {
    type: 'renouvellement',
    demande: { numeroUnique: body.numeroUnique },
    dateRenouvellement: body.dateRenouvellement,
  };
}

export function abandonToCommand(body: PgpAbandon): RadiationCommand {
  return {
    type: 'radiation',
    demande: { numeroUnique: body.numeroUnique },
    motif: 'abandon',
    dateRadiation: body.dateRadiation,
  };
}

/** The ménage with its own copy of the personnes, and no empty list (absent means none given). */
function menage(value: Menage): Menage {
  return {
    nombrePersonnes: value.nombrePersonnes,
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

/** The object without its undefined properties: the canonical form has absent fields, never `undefined` ones. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
