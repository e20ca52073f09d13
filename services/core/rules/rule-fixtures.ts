import type { Actor } from '../actor.ts';
import type { Command, IsoDate } from '../commands.ts';
import type { Demande, Logement } from '../demande.ts';
import { BusinessError, type BusinessErrorCode } from '../errors.ts';
import { identiteHash } from '../identite.ts';
import { WorkingSet } from '../working-set.ts';
import type { Change, PrioritesRecues } from './context.ts';
import { applyCommand } from './index.ts';

// What the table-driven tests of the rules share: senders, a demande, logements, and a registry
// held in memory (the batch's own WorkingSet), so that the rules run without PostgreSQL or Redis.

export const GUICHET: Actor = {
  clientId: 'mairie-lille',
  role: 'guichet',
  organisme: '215903501',
  departements: ['59'],
  codeGuichet: 'LIL59',
};
export const BAILLEUR: Actor = {
  clientId: 'lille-habitat',
  role: 'bailleur',
  organisme: '123456789',
  departements: ['59'],
  codeGuichet: 'LH59A',
};
export const AUTRE_BAILLEUR: Actor = { ...BAILLEUR, clientId: 'autre', organisme: '987654321' };
export const PORTAIL: Actor = {
  clientId: 'portail',
  role: 'pgp',
  organisme: '130000000',
  departements: ['*'],
  codeGuichet: 'GDPUB',
};
export const DALO: Actor = { clientId: 'comdalo', role: 'dalo', organisme: '110000000', departements: ['*'] };
export const CONTINGENT: Actor = {
  clientId: 'syplo-59',
  role: 'contingent',
  organisme: '175900000',
  departements: ['59'],
};

export const NUMERO = '0591013000042LH59A';

/** An active demande of département 59 deposited on 15 October 2013 (échéance 15 October 2014). */
export function demande(overrides: Partial<Demande> = {}): Demande {
  const demandeur = overrides.demandeur ?? {
    nom: 'Dupont',
    prenom: 'Marie',
    dateNaissance: '1980-05-17',
    nationalite: 'FR' as const,
  };
  return {
    numeroUnique: NUMERO,
    departement: '59',
    dateDepot: '2013-10-15',
    codeGuichet: 'LH59A',
    organisme: BAILLEUR.organisme,
    referenceGuichet: 'REF-1',
    identiteHash: identiteHash(demandeur),
    demandeur,
    menage: { nombrePersonnes: 2 },
    ressourcesMensuelles: 1200,
    typologie: 'T2',
    communesSouhaitees: ['59350'],
    motif: 'logement-trop-petit',
    statut: 'active',
    dateEcheance: '2014-10-15',
    ...overrides,
  };
}

/** A logement of the parc: Lille, owned by BAILLEUR, unless overridden. */
export function logement(overrides: Partial<Logement> = {}): Logement {
  return {
    identifiantRpls: 'RPLS-0001',
    sirenBailleur: BAILLEUR.organisme,
    codeCommune: '59350',
    departement: '59',
    statut: 'en-parc',
    ...overrides,
  };
}

export interface RegistryState {
  demandes?: Demande[];
  logements?: Logement[];
  /** Last numéros issued by `TTTMMAA`. */
  sequences?: Record<string, number>;
  priorites?: Record<string, PrioritesRecues>;
}

export function registry(state: RegistryState = {}): WorkingSet {
  return new WorkingSet({
    demandes: state.demandes ?? [],
    logements: state.logements ?? [],
    sequences: new Map(Object.entries(state.sequences ?? {})),
    priorites: new Map(Object.entries(state.priorites ?? {})),
  });
}

/** Runs one command: its change, or the code of the BusinessError a rule threw. */
export function run(
  state: RegistryState | WorkingSet,
  command: Command,
  actor: Actor,
  today: IsoDate,
): Change | BusinessErrorCode {
  const outcome = attempt(state, command, actor, today);
  return outcome instanceof BusinessError ? outcome.code : outcome;
}

/** Runs one command: its change (recorded in the registry given), or the BusinessError a rule threw. */
export function attempt(
  state: RegistryState | WorkingSet,
  command: Command,
  actor: Actor,
  today: IsoDate,
): Change | BusinessError {
  const view = state instanceof WorkingSet ? state : registry(state);
  try {
    const change = applyCommand(view, command, { actor, today });
    view.record(change);
    return change;
  } catch (error) {
    if (error instanceof BusinessError) return error;
    throw error;
  }
}

/** The change of a command expected to pass; fails the test with the code otherwise. */
export function applied(outcome: Change | BusinessErrorCode): Change {
  if (typeof outcome === 'string')
    throw new Error(`expected the command to apply, it failed with ${outcome}`);
  return outcome;
}
