import { EventEmitter } from 'node:events';
import pg from 'pg';

const CHANNEL = 'sne_events';
const RECONNECT_MS = 1000;

/**
 * Tells this process that events were committed: one PostgreSQL connection LISTENs on the channel
 * a trigger of the `events` table notifies at each commit. A hint, not a guarantee: readers that
 * wait also wake at their own deadline, and reconnection may miss a notification.
 */
export class EventNotifier {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: { warn(details: object, message: string): void },
  ) {
    this.emitter.setMaxListeners(0);
  }

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.databaseUrl });
    client.on('notification', () => this.emitter.emit('events'));
    client.on('error', (error) => {
      this.log.warn({ err: error.message }, 'event listener lost its connection');
      this.reconnect(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      // Something may have been committed while we were not listening.
      this.emitter.emit('events');
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'event listener could not connect');
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => {});
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
  }

  /** Calls `listener` whenever events may have been committed; returns the unsubscribe function. */
  onEvents(listener: () => void): () => void {
    this.emitter.on('events', listener);
    return () => this.emitter.off('events', listener);
  }

  /** Resolves at the next notification, after `timeoutMs`, or when the notifier closes. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off('events', done);
        this.emitter.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.once('events', done);
      this.emitter.once('close', done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.emitter.emit('close');
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}
