import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The process's requests in flight, but background uploads: what a background upload gives way to. */
    foreground: Foreground;
  }
}

/** Longest a background upload waits for the foreground at once: it never stops for good. */
const MAX_WAIT_MS = 10;
/** How often it looks again while it waits. */
const POLL_MS = 1;

/**
 * The requests in flight in this process, but those of `background` routes: the RPLS import (a file
 * is seconds to minutes of parsing on the event loop and of COPY in a PostgreSQL backend) and the
 * events feed (a long poll mostly waits). The import calls `giveWay()` between its batches of
 * lines: while a filing, a lot or a read is in flight, it waits (at most MAX_WAIT_MS at a time), so
 * that on a machine of two cores the 202s do not queue behind its parsing nor share their CPU with
 * its COPY as much. An import alone never waits: its own request is not counted.
 * `npm run bench:rpls` (receiving phase, 20 filings a second beside a 500,000-row file): the
 * portail's 202 p50 21-27 ms → 14-16 ms (6-8 ms with nothing else running); the import beside
 * them takes about a third longer to receive; alone, as fast as before.
 */
export class Foreground {
  private inFlight = 0;

  constructor(
    /** The clock, in ms, and the wait between two looks (tests set them). */
    private readonly now: () => number = () => performance.now(),
    private readonly pause: () => Promise<unknown> = () => sleep(POLL_MS),
  ) {}

  get busy(): boolean {
    return this.inFlight > 0;
  }

  started(): () => void {
    this.inFlight++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
    };
  }

  /** Resolves once no foreground request is in flight, or after MAX_WAIT_MS. */
  async giveWay(): Promise<void> {
    const deadline = this.now() + MAX_WAIT_MS;
    while (this.busy && this.now() < deadline) await this.pause();
  }
}

async function foregroundPlugin(app: FastifyInstance) {
  const foreground = new Foreground();
  app.decorate('foreground', foreground);
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.background) return;
    // 'close' comes once the reply is sent or the connection is gone, whatever happened.
    reply.raw.once('close', foreground.started());
  });
}

export default fp(foregroundPlugin, { name: 'foreground' });
