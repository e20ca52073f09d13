import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../services/core/actor.ts';
import { applyBatch } from '../services/core/apply-batch.ts';
import { PgRegistryStore } from '../services/core/store/store-pg.ts';
import { createPool, queryIfFree } from '../services/db/pool.ts';
import { applyCommands, inscription } from './helpers/commands.ts';
import { provision, startTestHub, type TestHub } from './helpers/hub.ts';

/**
 * Numéros are drawn outside the applying transaction (migration 016): a transaction that holds
 * numbers of a counter does not make the next enregistrement of that territory and month wait for
 * its commit; a rollback gives its numbers back, and the next one takes them; nobody takes numbers
 * a running transaction drew. At rest, counters and demandes agree: no number twice, no gap.
 */
const GUICHET: Actor = {
  clientId: 'guichet-lille',
  role: 'guichet',
  organisme: '215903501',
  departements: ['59'],
  codeGuichet: 'GL59A',
};
const TODAY = '2026-11-30';
const DEPOT = { dateDepot: '2026-10-15' };
const COUNTER = '0591026';

describe('numéros drawn outside the applying transaction', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub();
    await provision(hub.app, {
      id: GUICHET.clientId,
      role: 'guichet',
      organisme: GUICHET.organisme,
      codeGuichet: 'GL59A',
    });
  });
  afterAll(async () => {
    await hub?.close();
  });

  /**
   * Applies enregistrements of these persons in a transaction left open until `finish` is called; its
   * events are written at the end, as the apply worker does (EVENTS_LOCK is then held to the commit).
   */
  async function openBatch(pool: pg.Pool, noms: string[]) {
    const client = await pool.connect();
    await client.query('BEGIN');
    const store = new PgRegistryStore(client, {
      holdEvents: true,
      drawOutside: queryIfFree(pool),
    });
    const outcomes = await applyBatch(
      store,
      noms.map((nom, i) => ({
        messageId: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`,
        actor: GUICHET,
        command: inscription(nom, DEPOT, TODAY),
      })),
      TODAY,
    );
    return {
      numeros: outcomes.map((o) => (o.status === 'applied' ? o.numeroUnique.slice(7, 13) : o.code)),
      finish: async (how: 'COMMIT' | 'ROLLBACK') => {
        if (how === 'COMMIT') await store.writeHeldEvents();
        await client.query(how);
        client.release();
      },
    };
  }

  async function counterState() {
    const { rows } = await hub.pool.query<{ dernier: number; free: string | null; demandes: number }>(
      `SELECT (SELECT dernier FROM numero_sequences WHERE territoire || mois || annee = $1) AS dernier,
              (SELECT string_agg(premier || '-' || dernier, ',' ORDER BY premier) FROM numero_blocs) AS free,
              (SELECT count(*)::int FROM demandes WHERE numero_unique LIKE $1 || '%') AS demandes`,
      [COUNTER],
    );
    return rows[0];
  }

  it('lets the hub apply an enregistrement of the same month while a batch holding numbers stays open', async () => {
    const open = await openBatch(hub.pool, ['Ouvert', 'Ouverte']);
    expect(open.numeros).toEqual(['000001', '000002']);
    // Applied through the hub's worker while the batch above has not committed: it took number 3.
    await applyCommands(hub, GUICHET, inscription('Passant', DEPOT));
    const { rows } = await hub.pool.query<{ numero_unique: string }>(
      `SELECT numero_unique FROM demandes WHERE demandeur->>'nom' = 'Passant'`,
    );
    expect(rows.map((r) => r.numero_unique.slice(7, 13))).toEqual(['000003']);
    await open.finish('COMMIT');
    expect(await counterState()).toEqual({ dernier: 3, free: null, demandes: 3 });
  });

  it('gives a rolled-back batch’s numbers to the next, and no one takes those of a running batch', async () => {
    const rolledBack = await openBatch(hub.pool, ['Annule', 'Annulee', 'Annules']);
    expect(rolledBack.numeros).toEqual(['000004', '000005', '000006']);
    const running = await openBatch(hub.pool, ['Encours']);
    expect(running.numeros).toEqual(['000007']);
    await rolledBack.finish('ROLLBACK');
    // 4-6 are free again; 7 belongs to the batch still running.
    expect(await counterState()).toEqual({ dernier: 7, free: '4-6,7-7', demandes: 3 });

    const next = await openBatch(hub.pool, ['Suivant', 'Suivante']);
    expect(next.numeros).toEqual(['000004', '000005']);
    await next.finish('COMMIT');
    await running.finish('COMMIT');
    // The number the rollback left beyond the need stays free for whoever registers next.
    expect(await counterState()).toEqual({ dernier: 7, free: '6-6', demandes: 6 });
    const last = await openBatch(hub.pool, ['Dernier', 'Derniere']);
    expect(last.numeros).toEqual(['000006', '000008']);
    await last.finish('COMMIT');
    expect(await counterState()).toEqual({ dernier: 8, free: null, demandes: 8 });
  });

  it('draws inside the transaction when no connection is free, holding the counter until it ends', async () => {
    const single = createPool({ connectionString: hub.config.databaseUrl, max: 1 });
    try {
      // The pool's only connection is the batch's own: the draw cannot go outside.
      const inside = await openBatch(single, ['Dedans']);
      expect(inside.numeros).toEqual(['000009']);
      await expect(
        hub.pool.query(
          `SELECT dernier FROM numero_sequences WHERE territoire || mois || annee = $1 FOR UPDATE NOWAIT`,
          [COUNTER],
        ),
      ).rejects.toMatchObject({ code: '55P03' });
      await inside.finish('COMMIT');
    } finally {
      await single.end();
    }
    expect(await counterState()).toEqual({ dernier: 9, free: null, demandes: 9 });
  });
});
