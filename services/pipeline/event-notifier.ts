import { EventEmitter } from 'node:events';
import pg from 'pg';
import { type EventSummary, parseSummary } from './events.ts';

const CHANNEL = 'sne_events';
const RECONNECT_MS = 1000;

/**
 * Tells this process that events were committed: one PostgreSQL connection LISTENs on the channel
 * a trigger of the `events` table notifies at each commit, with a summary of what the statement
 * inserted (EventSummary). A hint, not a guarantee: readers that wait also wake at their own
 * deadline; a reconnection (which may have missed notifications) or a payload too large for NOTIFY
 * carries no summary, and wakes every reader.
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
    client.on('notification', (message) => this.emitter.emit('events', parseSummary(message.payload)));
    client.on('error', (error) => {
      this.log.warn({ err: error.message }, 'event listener lost its connection');
      this.reconnect(client);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      this.client = client;
      // Something may have been committed while we were not listening.
      this.emitter.emit('events', undefined);
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
  onEvents(listener: (summary: EventSummary | undefined) => void): () => void {
    this.emitter.on('events', listener);
    return () => this.emitter.off('events', listener);
  }

  /**
   * Starts watching for a notification `matches` accepts (an unknown summary is passed as
   * undefined). Take the watch before reading, then `wait`: a commit between the read and the
   * wait is not missed. `wait` resolves at once if one came since the watch began (or since the
   * last `wait`), else at the next one, after `timeoutMs`, or when the notifier closes.
   */
  watch(matches: (summary: EventSummary | undefined) => boolean): NotificationWatch {
    let seen = this.closed;
    let wake: (() => void) | undefined;
    const listener = (summary: EventSummary | undefined) => {
      if (!matches(summary)) return;
      seen = true;
      wake?.();
    };
    const closed = () => {
      seen = true;
      wake?.();
    };
    this.emitter.on('events', listener);
    this.emitter.once('close', closed);
    return {
      wait: (timeoutMs) =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            wake = undefined;
            seen = this.closed;
            resolve();
          };
          const timer = setTimeout(done, seen ? 0 : timeoutMs);
          wake = done;
        }),
      closed: () => this.closed,
      stop: () => {
        wake?.();
        this.emitter.off('events', listener);
        this.emitter.off('close', closed);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    this.emitter.emit('close');
    await this.client?.end().catch(() => {});
    this.client = undefined;
  }
}

export interface NotificationWatch {
  wait(timeoutMs: number): Promise<void>;
  /** Whether the notifier has closed: waiting again would return at once. */
  closed(): boolean;
  stop(): void;
}
