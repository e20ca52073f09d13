import pino, { type Logger, type LoggerOptions } from 'pino';

/**
 * Personal data never reach the logs: whatever path they would take (a request, a canonical
 * command, a demande), these fields are censored — SPT v1's capitalised names too, and the
 * containers that hold a whole message (its text, its command, an operator's corrected payload).
 * No log call passes such objects today: this is what keeps one added tomorrow harmless.
 */
const PERSONAL_FIELDS = [
  'nom',
  'prenom',
  'dateNaissance',
  'adresse',
  'email',
  'telephone',
  'demandeur',
  'personnes',
  'raw',
  'Nom',
  'Prenom',
  'DateNaissance',
  'canonical',
  'command',
  'payload',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`, `*.*.*.${f}`]),
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // A query string may name a person (the DALO search): only the path of a request is logged.
    serializers: {
      req: (req: { method?: string; url?: string; host?: string; ip?: string }) => ({
        method: req.method,
        url: req.url?.split('?')[0],
        host: req.host,
        remoteAddress: req.ip,
      }),
    },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
