/**
 * The webhook bench's subscribers, run in a child process of their own (`fork`), so that neither
 * the hub's processes nor the baseline's sender share their event loop: `count` plain node:http
 * servers on loopback ports, each answering 204 at once, counting the distinct `webhook-id`s it
 * received and verifying the Standard Webhooks signature of one request in `VERIFY_EVERY` (the
 * first included). Driven over IPC: `start`, `secrets`, `reset`, `counts`, `stop`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

const VERIFY_EVERY = 20;

export type SubscriberCommand =
  | { type: 'start'; count: number }
  | { type: 'secrets'; secrets: string[] }
  | { type: 'reset' }
  | { type: 'counts' }
  | { type: 'stop' };

export type SubscriberReply =
  | { type: 'started'; urls: string[] }
  | { type: 'done' }
  | {
      type: 'counts';
      distinct: number[];
      requests: number[];
      connections: number;
      verified: number;
      badSignatures: number;
    };

interface Subscriber {
  server: Server;
  ids: Set<string>;
  requests: number;
  verifier?: Webhook;
}

const subscribers: Subscriber[] = [];
let verified = 0;
/** TCP connections opened to the subscribers: with keep-alive, about the senders' concurrency. */
let connections = 0;
let badSignatures = 0;

function reply(message: SubscriberReply): void {
  process.send?.(message);
}

async function start(count: number): Promise<string[]> {
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const subscriber: Subscriber = { server: createServer(), ids: new Set(), requests: 0 };
    subscriber.server.keepAliveTimeout = 60_000;
    subscriber.server.on('connection', () => connections++);
    subscriber.server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const id = String(req.headers['webhook-id']);
        if (subscriber.requests++ % VERIFY_EVERY === 0 && subscriber.verifier) {
          try {
            subscriber.verifier.verify(Buffer.concat(chunks).toString('utf8'), {
              'webhook-id': id,
              'webhook-timestamp': String(req.headers['webhook-timestamp']),
              'webhook-signature': String(req.headers['webhook-signature']),
            });
            verified++;
          } catch {
            badSignatures++;
          }
        }
        subscriber.ids.add(id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => subscriber.server.listen(0, '127.0.0.1', resolve));
    urls.push(`http://127.0.0.1:${(subscriber.server.address() as AddressInfo).port}/hook/${i}`);
    subscribers.push(subscriber);
  }
  return urls;
}

process.on('message', async (command: SubscriberCommand) => {
  switch (command.type) {
    case 'start':
      reply({ type: 'started', urls: await start(command.count) });
      return;
    case 'secrets':
      command.secrets.forEach((secret, i) => {
        const subscriber = subscribers[i];
        if (subscriber) subscriber.verifier = new Webhook(secret);
      });
      reply({ type: 'done' });
      return;
    case 'reset':
      for (const subscriber of subscribers) {
        subscriber.ids.clear();
        subscriber.requests = 0;
      }
      verified = 0;
      badSignatures = 0;
      connections = 0;
      reply({ type: 'done' });
      return;
    case 'counts':
      reply({
        type: 'counts',
        distinct: subscribers.map((s) => s.ids.size),
        requests: subscribers.map((s) => s.requests),
        connections,
        verified,
        badSignatures,
      });
      return;
    case 'stop':
      for (const { server } of subscribers) server.closeAllConnections();
      await Promise.all(subscribers.map(({ server }) => new Promise((resolve) => server.close(resolve))));
      reply({ type: 'done' });
      process.disconnect();
      return;
  }
});
