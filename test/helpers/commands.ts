import type { Actor } from '../../services/core/actor.ts';
import type { Command, EnregistrementCommand } from '../../services/core/commands.ts';
import { addMonths, todayInParis } from '../../services/core/dates.ts';
import type { TestHub } from './hub.ts';
import { waitForMessagesDone } from './wait.ts';

let counter = 0;

/**
 * Hands canonical commands to the hub's intake as a connector would, and waits until they are
 * done. For tests about what happens after the connectors (events, deliveries).
 */
export async function applyCommands(hub: TestHub, actor: Actor, ...commands: Command[]): Promise<void> {
  const receipt = await hub.app.intake.acceptLot({
    actor,
    system: 'test',
    version: 'v1',
    messages: commands.map((command) => ({
      id: `cmd-${++counter}-${Date.now()}`,
      type: command.type,
      raw: JSON.stringify(command),
      command,
    })),
  });
  await waitForMessagesDone(
    hub.pool,
    receipt.messages.map((m) => m.messageId),
  );
  const { rows } = await hub.pool.query<{ status: string; error: unknown }>(
    'SELECT status, error FROM messages WHERE id = ANY($1::uuid[])',
    [receipt.messages.map((m) => m.messageId)],
  );
  const failed = rows.filter((r) => r.status !== 'applied');
  if (failed.length > 0) throw new Error(`commands not applied: ${JSON.stringify(failed)}`);
}

/** A valid enregistrement of one person in the Nord, filed a month ago, for tests that hand commands to the intake. */
export function inscription(
  nom: string,
  overrides: Partial<EnregistrementCommand> = {},
  today = todayInParis(),
): EnregistrementCommand {
  return {
    type: 'enregistrement',
    departement: '59',
    dateDepot: addMonths(today, -1),
    demandeur: { nom, prenom: 'Jeanne', dateNaissance: '1980-01-02', nationalite: 'FR' },
    menage: { nombrePersonnes: 1 },
    ressourcesMensuelles: 1000,
    typologie: 'T2',
    communesSouhaitees: ['59350'],
    motif: 'sans-logement',
    ...overrides,
  };
}
