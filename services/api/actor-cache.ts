import type { Actor } from '../core/actor.ts';
import { PgListener } from '../db/pg-listener.ts';
import type { Queryable } from '../db/pool.ts';
import { actorByTokenHash } from './clients.ts';

/** The channel migration 019's trigger notifies at every change of `clients`. */
const CHANNEL = 'sne_clients';
/** How long a client is remembered at most, even if no change is ever notified. */
const REMEMBER_MS = 60_000;
/** Clients remembered at once at most: past it, the memory starts again empty. */
const MAX_REMEMBERED = 10_000;

/**
 * The clients this API process authenticated lately, by token hash, so that a request costs no
 * PostgreSQL round trip to read its client (at 1,000 filings a second, that round trip was one
 * socket write and one backend wake-up a request).
 *
 * A revoked or rotated token must stop working at once (interfaces.md). Every change of `clients`
 * notifies its commit (migration 019), and this process then forgets every client it knew; a
 * revocation made through this process forgets them before its 204 (`forget`). Another process
 * hears the notification within milliseconds of the commit. While the listening connection is
 * lost, nothing is remembered: every request reads its client, as without the cache.
 *
 * A read that started before a change is not remembered after it: each `forget` starts a new
 * generation, and a read remembers its client only if its generation is still the current one.
 */
export class ActorCache {
  private readonly remembered = new Map<string, { actor: Actor; until: number }>();
  private generation = 0;
  private readonly listener: PgListener;
  private started = false;

  constructor(databaseUrl: string, log: { warn(details: object, message: string): void }) {
    this.listener = new PgListener(
      databaseUrl,
      CHANNEL,
      {
        notified: () => this.forget(),
        // Changes committed while nobody listened, and reads made meanwhile, are not to be trusted.
        listening: () => this.forget(),
        lost: () => this.forget(),
      },
      log,
    );
  }

  /** The live client whose token has this hash, from memory when this process may trust it. */
  async actorOf(db: Queryable, hash: Buffer): Promise<Actor | undefined> {
    if (!this.started) {
      // Opened by the first authenticated request: an app that never sees one holds no connection.
      this.started = true;
      this.listener.start();
    }
    const key = hash.toString('hex');
    const known = this.remembered.get(key);
    if (known && known.until > Date.now() && this.listener.listening) return known.actor;
    const generation = this.generation;
    const actor = await actorByTokenHash(db, hash);
    if (actor && generation === this.generation && this.listener.listening) {
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.set(key, { actor, until: Date.now() + REMEMBER_MS });
    }
    return actor;
  }

  /** Forgets every client: the next request of each reads it again. */
  forget(): void {
    this.generation++;
    this.remembered.clear();
  }

  async close(): Promise<void> {
    await this.listener.close();
  }
}
