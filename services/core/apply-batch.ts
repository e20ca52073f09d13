import type { Actor } from './actor.ts';
import type { Command, IsoDate } from './commands.ts';
import { BusinessError, type BusinessErrorCode } from './errors.ts';
import { identiteHash } from './identite.ts';
import { sequenceKeyOf } from './numero-unique.ts';
import { applyCommand } from './rules/index.ts';
import { emptyWrites, type RegistryNeeds, type RegistryStore, type RegistryWrites } from './store.ts';
import { type LoadedState, WorkingSet } from './working-set.ts';

export interface BatchItem {
  messageId: string;
  actor: Actor;
  command: Command;
}

export type BatchOutcome =
  | { messageId: string; status: 'applied'; numeroUnique: string }
  | {
      messageId: string;
      status: 'failed';
      code: BusinessErrorCode;
      message: string;
      details?: Record<string, string>;
    };

/**
 * Applies commands in order, as one unit: one load of what they touch, the rules in memory, one
 * save. A command a rule refuses fails alone; the others still apply. This is what makes a lot of
 * 500 messages cost far less than 500 single messages.
 *
 * The numéro counters are the registry's hot spot (every guichet of a département registers in
 * the same month). The rules first run on the counters as read; then the store reserves as many
 * numbers as they drew. Those are usually the very numbers the rules assumed; when they are not
 * (another batch drew meanwhile, or numbers a rolled-back batch left free come first), the rules
 * run again, in memory, on the reserved numbers. The rules never look at a number's value, so they
 * draw as many again, and the demandes they touch stay locked throughout.
 */
export async function applyBatch(
  store: RegistryStore,
  items: BatchItem[],
  today: IsoDate,
): Promise<BatchOutcome[]> {
  const state = await store.load(needsOf(items));
  let run = runRules(state, items, today);
  if (run.numerosDrawn.size > 0) {
    const numeros = await store.reserveNumeros(run.numerosDrawn);
    if (!followCounters(numeros, state.sequences)) {
      const drawn = run.numerosDrawn;
      run = runRules({ ...state, numeros }, items, today);
      if (!sameCounts(run.numerosDrawn, drawn))
        throw new Error('the rules drew other numéros on their second run');
    }
  }
  await store.save(run.writes);
  return run.outcomes;
}

/** The numbers reserved are those that follow each counter as read (what the first run assumed). */
function followCounters(numeros: Map<string, number[]>, read: Map<string, number>): boolean {
  return [...numeros].every(([id, list]) => list.every((n, i) => n === (read.get(id) ?? 0) + i + 1));
}

function sameCounts(a: Map<string, number>, b: Map<string, number>): boolean {
  return a.size === b.size && [...a].every(([id, n]) => b.get(id) === n);
}

function runRules(
  state: LoadedState,
  items: BatchItem[],
  today: IsoDate,
): { writes: RegistryWrites; outcomes: BatchOutcome[]; numerosDrawn: Map<string, number> } {
  const registry = new WorkingSet(state);
  const writes = emptyWrites();
  const outcomes: BatchOutcome[] = [];

  for (const { messageId, actor, command } of items) {
    try {
      const change = applyCommand(registry, command, { actor, today });
      registry.record(change);
      writes.demandes.push(change.demande);
      for (const line of change.history)
        writes.history.push({ ...line, clientId: actor.clientId, messageId });
      writes.events.push(...change.events.map((e) => ({ ...e, clientId: actor.clientId })));
      if (change.attribution)
        writes.attributions.push({ ...change.attribution, clientId: actor.clientId, messageId });
      if (change.attributionStatut) writes.attributionStatuts.push(change.attributionStatut);
      if (change.designation)
        writes.designations.push({ ...change.designation, clientId: actor.clientId, messageId });
      outcomes.push({ messageId, status: 'applied', numeroUnique: change.demande.numeroUnique });
    } catch (error) {
      if (!(error instanceof BusinessError)) throw error;
      outcomes.push({
        messageId,
        status: 'failed',
        code: error.code,
        message: error.message,
        ...(error.details ? { details: error.details } : {}),
      });
    }
  }
  return { writes, outcomes, numerosDrawn: registry.numerosDrawn };
}

function needsOf(items: BatchItem[]): RegistryNeeds {
  const needs: RegistryNeeds = { numeros: [], references: [], identites: [], logements: [], sequences: [] };
  for (const { actor, command } of items) {
    if (command.type === 'enregistrement') {
      needs.identites.push({
        departement: command.departement,
        identiteHash: identiteHash(command.demandeur),
      });
      needs.sequences.push(sequenceKeyOf(command.departement, command.dateDepot));
      if (command.referenceGuichet) {
        needs.references.push({ organisme: actor.organisme, referenceGuichet: command.referenceGuichet });
      }
      continue;
    }
    if ('numeroUnique' in command.demande) needs.numeros.push(command.demande.numeroUnique);
    else
      needs.references.push({
        organisme: actor.organisme,
        referenceGuichet: command.demande.referenceGuichet,
      });
    if (command.type === 'attribution' || command.type === 'designation')
      needs.logements.push(command.logement);
    // An attribution keeps the status of its bail day; a decision dated on or before it may change it.
    if (command.type === 'attribution' || command.type === 'dalo-decision') needs.prioritesRecues = true;
  }
  return needs;
}
