import { EventEmitter } from 'node:events';
import { PgListener } from '../db/pg-listener.ts';
import { type EventSummary, parseSummary } from './events.ts';

const CHANNEL = 'sne_events';

/**
 * Tells this process that events were committed: one PostgreSQL connection LISTENs on the channel
 * a trigger of the `events` table notifies at each commit, with a summary of what the statement
 * inserted (EventSummary). A hint, not a guarantee: readers that wait also wake at their own
 * deadline; a reconnection (which may have missed notifications) or a payload too large for NOTIFY
 * carries no summary, and wakes every reader.
 */
export class EventNotifier {
  private readonly emitter = new EventEmitter();
  private readonly listener: PgListener;
  private closed = false;

  constructor(databaseUrl: string, log: { warn(details: object, message: string): void }) {
    this.emitter.setMaxListeners(0);
    this.listener = new PgListener(
      databaseUrl,
      CHANNEL,
      {
        notified: (payload) => this.emitter.emit('events', parseSummary(payload)),
        // Something may have been committed while we were not listening.
        listening: () => this.emitter.emit('events', undefined),
        lost: () => {},
      },
      log,
    );
  }

  start(): void {
    this.listener.start();
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
    this.emitter.emit('close');
    await this.listener.close();
  }
}

export interface NotificationWatch {
  wait(timeoutMs: number): Promise<void>;
  /** Whether the notifier has closed: waiting again would return at once. */
  closed(): boolean;
  stop(): void;
}
