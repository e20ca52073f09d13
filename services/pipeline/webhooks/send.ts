import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isLiteralPrivate, publicOnlyLookup } from './address.ts';

export interface SignedRequest {
  url: string;
  /** The event id: `webhook-id`, the same at every attempt so that receivers can deduplicate. */
  id: string;
  body: string;
  /** `whsec_…` (Standard Webhooks): base64 of the HMAC key after the prefix. */
  secret: string;
}

export interface SendOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** What came of one attempt: the HTTP status when an answer came, else the network error. */
export type SendOutcome = { ok: boolean; statusCode: number } | { ok: false; error: string };

/**
 * Headers of the Standard Webhooks convention, signed at this attempt's own timestamp:
 * `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` keyed by the secret's bytes. Computed with
 * node:crypto: the `standardwebhooks` package signs with a SHA-256 in JavaScript, about 4 % of a
 * worker's CPU at full fan-out; it still verifies the signatures in the tests and the bench.
 */
export function signatureHeaders(request: SignedRequest, at: Date): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(request.secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${request.id}.${timestamp}.${request.body}`)
    .digest('base64');
  return { 'webhook-id': request.id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

/**
 * POSTs a signed event. A 2xx within the timeout is success; anything else (another status, a
 * redirect, a refused or private address, a timeout) is a failed attempt. Never throws.
 *
 * The timeout is a plain timer cleared with the answer, not `AbortSignal.timeout`: each such signal
 * kept its timer, listeners and a DOMException alive until it fired, well after the answer, about a
 * tenth of a worker's CPU at full fan-out.
 */
export function send(request: SignedRequest, options: SendOptions): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ ok: false, error: 'invalid URL' });
      return;
    }
    // Node connects to an IP literal without calling `lookup`: its address is checked here (a URL
    // stored while private addresses were allowed, or written into the database by hand).
    if (!options.allowPrivate && isLiteralPrivate(url.hostname)) {
      resolve({ ok: false, error: 'WEBHOOK_ADDRESS_PRIVATE' });
      return;
    }
    let settled = false;
    const settle = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const client = url.protocol === 'https:' ? https : http;
    let req: http.ClientRequest;
    try {
      req = client.request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'sne-hub-webhooks',
            ...signatureHeaders(request, new Date()),
          },
          ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        },
        (res) => {
          // The answer's body is not read for meaning; drain it so the socket is released.
          res.resume();
          res.on('end', () => {
            const statusCode = res.statusCode ?? 0;
            settle({ ok: statusCode >= 200 && statusCode < 300, statusCode });
          });
          res.on('error', (error: NodeJS.ErrnoException) =>
            settle({ ok: false, error: error.code ?? error.message }),
          );
        },
      );
    } catch (error) {
      // A URL node:http cannot send to (another protocol): a hand-made row, the admin route refuses them.
      resolve({ ok: false, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      return;
    }
    // The whole attempt, answer's body included; on timeout the socket is destroyed, never reused.
    const timer = setTimeout(() => {
      settle({ ok: false, error: 'timeout' });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, error: error.code ?? error.message }),
    );
    req.end(request.body);
  });
}
