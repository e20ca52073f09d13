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
 * the same month): they are locked only for the save. The rules first run on the counters as
 * read; if another batch moved them meanwhile, the rules run again, in memory, on the locked
 * values — the demandes they touch stay locked throughout, so only the numbers can differ.
 */
export async function applyBatch(
  store: RegistryStore,
  items: BatchItem[],
  today: IsoDate,
): Promise<BatchOutcome[]> {
  const state = await store.load(needsOf(items));
  let run = runRules(state, items, today);
  for (;;) {
    const used = [...run.writes.sequences.keys()];
    if (used.length === 0) break;
    const locked = await store.lockSequences(used);
    if (used.every((id) => (locked.get(id) ?? 0) === (state.sequences.get(id) ?? 0))) break;
    state.sequences = locked;
    run = runRules(state, items, today);
    if (run.writes.sequences.size === used.length) break;
  }
  await store.save(run.writes);
  return run.outcomes;
}

function runRules(
  state: LoadedState,
  items: BatchItem[],
  today: IsoDate,
): { writes: RegistryWrites; outcomes: BatchOutcome[] } {
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
  for (const id of registry.sequencesUsed) writes.sequences.set(id, registry.sequences.get(id) ?? 0);
  return { writes, outcomes };
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
    if (command.type === 'attribution') needs.prioritesRecues = true;
  }
  return needs;
}
