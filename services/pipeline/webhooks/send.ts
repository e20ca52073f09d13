import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { publicOnlyLookup } from './address.ts';

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

/** Headers of the Standard Webhooks convention, signed at this attempt's own timestamp. */
export function signatureHeaders(request: SignedRequest, at: Date): Record<string, string> {
  return {
    'webhook-id': request.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(request.secret).sign(request.id, at, request.body),
  };
}

/**
 * POSTs a signed event. A 2xx within the timeout is success; anything else (another status, a
 * redirect, a refused or private address, a timeout) is a failed attempt. Never throws.
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
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'sne-hub-webhooks',
          ...signatureHeaders(request, new Date()),
        },
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
        signal: AbortSignal.timeout(options.timeoutMs),
      },
      (res) => {
        // The answer's body is not read for meaning; drain it so the socket is released.
        res.resume();
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          resolve({ ok: statusCode >= 200 && statusCode < 300, statusCode });
        });
        res.on('error', (error) => resolve({ ok: false, error: error.message }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, error: error.name === 'AbortError' ? 'timeout' : (error.code ?? error.message) });
    });
    req.end(request.body);
  });
}
