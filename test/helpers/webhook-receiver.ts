import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { CloudEvent } from '../../services/pipeline/events.ts';

export interface Received {
  event: CloudEvent;
  headers: Record<string, string>;
}

/** A subscriber: verifies each request with the secret, answers `status` (or is down: `stop()`). */
export class Receiver {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  status = 204;
  /** How long it takes to answer, ms. */
  delayMs = 0;
  private server: Server | undefined;
  private port = 0;
  secret = '';

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id']),
          'webhook-timestamp': String(req.headers['webhook-timestamp']),
          'webhook-signature': String(req.headers['webhook-signature']),
        };
        try {
          new Webhook(this.secret).verify(body, headers);
          if (this.status < 300) this.received.push({ event: JSON.parse(body), headers });
        } catch (error) {
          this.rejected.push((error as Error).message);
        }
        setTimeout(() => res.writeHead(this.status).end(), this.delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    this.server = undefined;
  }
}
