import pg from 'pg';
import { applicationName } from './pool.ts';

const RECONNECT_MS = 1000;

/** What a listener tells its owner. */
export interface ListenerHandlers {
  /** A notification on the channel, with its payload ('' when the sender gave none). */
  notified(payload: string): void;
  /** LISTEN is in place (first time or again): whatever was committed before may have been missed. */
  listening(): void;
  /** The connection is lost: notifications are missed until `listening` is called again. */
  lost(): void;
}

/**
 * One PostgreSQL connection LISTENing on one channel, connected again a second after it is lost.
 * PostgreSQL delivers a notification at its sender's commit, to every connection listening then:
 * while this one is lost, they are missed, which `lost` and `listening` tell the owner.
 */
export class PgListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly handlers: ListenerHandlers,
    private readonly log: { warn(details: object, message: string): void },
  ) {}

  /** Whether LISTEN is in place now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    // Named in pg_stat_activity as the pools' connections are (an application_name in the URL wins).
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: applicationName(`listen ${this.channel}`),
    });
    client.on('notification', (message) => this.handlers.notified(message.payload ?? ''));
    client.on('error', (error) => {
      this.log.warn({ err: error.message, channel: this.channel }, 'listener lost its connection');
      this.reconnect(client);
    });
    // A connection may also end with no error (a server that closed it cleanly): listen again too.
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.handlers.listening();
    } catch (error) {
      this.log.warn({ err: (error as Error).message, channel: this.channel }, 'listener could not connect');
      this.reconnect(client);
    }
  }

  private reconnect(client: pg.Client): void {
    if (this.client === client) {
      this.client = undefined;
      this.handlers.lost();
    }
    client.end().catch(() => {});
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }
}
