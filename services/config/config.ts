import { Ajv } from 'ajv';
import cronParser from 'cron-parser';

/**
 * The hub's configuration, read once from the environment and validated at start-up. Every
 * option is documented here and in the README; secrets have no default.
 */
export interface Config {
  /** PostgreSQL connection URL. Default `postgresql://postgres@127.0.0.1:5432/sne` (created if missing). */
  databaseUrl: string;
  /** Redis URL; may name a database number (`redis://host:6379/7`). Default `redis://127.0.0.1:6379/0`. */
  redisUrl: string;
  /** HTTP port. Default 8080. */
  port: number;
  /** HTTP host to bind. Default `0.0.0.0`. */
  host: string;
  /** The administrator's bearer token (at least 16 characters). Required. */
  adminToken: string;
  /** pino level. Default `info`. */
  logLevel: string;
  /** What this process runs: any of `api`, `worker`, `scheduler`. Default all three. */
  roles: ('api' | 'worker' | 'scheduler')[];
  /** BullMQ key prefix; with Redis Cluster a hash tag such as `{sne}`. Default `sne`. */
  queuePrefix: string;
  /** Apply jobs run at once per worker process. Default 2. */
  workerConcurrency: number;
  /** Messages applied per transaction at most; 0 (the default): a job's messages in one transaction. */
  applyTransactionMessages: number;
  /** Attempts of an apply job on transient errors before its messages are `failed`. Default 8. */
  applyAttempts: number;
  /** First retry delay on a transient error, ms, doubled each attempt. Default 1000. */
  applyBackoffMs: number;
  /** First delay before a message waiting for an earlier one of its demande is tried again, ms. Default 100. */
  deferDelayMs: number;
  /** How often the scheduler reconciles PostgreSQL with the queues, ms. Default 10000. */
  reconcileIntervalMs: number;
  /** Messages untouched for less than this are not re-queued by the reconciler, ms. Default 30000. */
  reconcileGraceMs: number;
  /** A job whose worker stopped renewing its lock for this long is taken over, ms. Default 30000. */
  jobLockMs: number;
  /**
   * How long a SIGTERM waits for the process to drain before it exits anyway, ms: a worker's close
   * waits for Redis, which may be away. Nothing is lost by exiting: a job's messages are in
   * PostgreSQL, and its lock expires for another worker.
   */
  drainLimitMs: number;
  /** Largest XML lot, bytes. Default 10 MiB. */
  lotMaxBytes: number;
  /** Most messages in one XML lot. Default 1000. */
  lotMaxMessages: number;
  /** Threads that decode XML lots beside the API's event loop; 0: decoded on it, in slices. Default 1. */
  lotDecodeThreads: number;
  /** Largest JSON body, bytes. Default 1 MiB. */
  jsonMaxBytes: number;
  /** Local time of the daily renewal sweep, cron syntax in Europe/Paris. Default `0 2 * * *`. */
  sweepCron: string;
  /** Largest pièce of the dossier unique, bytes (larger → 413). Default 10 MiB. */
  pieceMaxBytes: number;
  /**
   * Key material (at least 32 characters) that encrypts the webhook secrets at rest. Optional: when
   * absent it is derived from `SNE_ADMIN_TOKEN`, which then cannot change without re-provisioning
   * webhooks; set it in production.
   */
  secretKey: string | undefined;
  /** Delays between webhook attempts, seconds. Default 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h. */
  webhookRetrySchedule: number[];
  /** Webhook URLs may name private or loopback addresses. Default false. */
  webhookAllowPrivate: boolean;
  /** A subscriber must answer within this, ms. Default 10000. */
  webhookTimeoutMs: number;
  /** Webhook deliveries sent at once per worker process. Default 8. */
  webhookConcurrency: number;
  /** Days a delivered webhook delivery is kept before the retention sweep deletes it; 0: for ever. Default 90. */
  deliveriesRetentionDays: number;
  /** Largest RPLS CSV file, bytes (streamed; larger → 413, nothing kept). Default 2 GiB. */
  rplsMaxBytes: number;
  /** Rejected rows an RPLS import may have; one more fails it and nothing of it is kept. Default 1000. */
  rplsMaxRejected: number;
  /**
   * PostgreSQL connections of the RPLS uploads' own pool: an upload holds one for as long as its
   * file streams, so uploads never take the shared pool's connections from other routes; more
   * uploads at once wait for one of these. Default 2.
   */
  rplsImportConnections: number;
  /**
   * `idle_in_transaction_session_timeout` of the hub's PostgreSQL sessions, ms; 0: none. Default
   * 60000. A hub transaction runs its statements back to back, with only milliseconds of JavaScript
   * between two. One left waiting longer belongs to a process frozen or cut off from PostgreSQL, and
   * it holds its locks: an apply holds EVENTS_LOCK, which every other apply waits for, and PostgreSQL
   * would otherwise keep it until TCP gave up on the silent peer (hours). Ended, the transaction rolls
   * back; its work is a job tried again (the process's next statement fails as a lost connection,
   * transient) or a request answered 503. It also keeps the lists' TRANSACTION_SLACK true
   * (pagination.ts): no transaction writing messages or audit lines can sit open between statements.
   * A sweep's lock and the migrations' (at every process's start), sessions' locks outside any
   * transaction, get the same time as their session's `idle_session_timeout` (`limitIdleSession`,
   * db/pool.ts): a process frozen while holding one no longer holds up the others.
   */
  pgIdleInTransactionMs: number;
  /** The hub's public base URL, the `servers` of the OpenAPI document. Default `http://localhost:<PORT>`. */
  publicUrl: string;
  /**
   * Requests per minute per client, by role (`admin` for the administrator's token, `public` for the
   * routes without authentication, counted per IP address), `*` for the roles not named. Counted in
   * Redis, so shared by every API process. Default {@link DEFAULT_RATE_LIMITS}.
   */
  rateLimits: RateLimits;
  /** A bulk replay of more messages than this runs as a background job (202 with a job id). Default 10000. */
  replayBackgroundAbove: number;
  /**
   * Délai anormalement long by département, months (`SNE_DELAI_ANORMAL_MOIS`, a JSON map such as
   * `{"75": 60, "59": 18}`; the key `"*"` sets the default). Default 24 everywhere.
   */
  delaiAnormalMois: { defaut: number; parDepartement: Record<string, number> };
}

/** Requests per minute by role; `*` applies to the roles not named. */
export type RateLimits = Record<string, number> & { '*': number; 'failed-auth': number };

/**
 * Default per-minute limits: generous for a management software sending lots, higher for the portail
 * (many demandeurs behind one client), tight for anonymous callers, tighter for refused tokens
 * (`failed-auth`, per IP: a client whose token is refused that often is guessing or misconfigured).
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { '*': 600, pgp: 6000, public: 120, 'failed-auth': 30 };

const RATE_LIMIT_KEYS = new Set([
  '*',
  'public',
  'failed-auth',
  'admin',
  'guichet',
  'bailleur',
  'dalo',
  'contingent',
  'rpls',
  'pgp',
  'operator',
  'infocentre',
]);

/**
 * The longest delay a Node timer keeps, ms: a longer one fires after 1 ms (with a warning), so a
 * `*_MS` above it would time every webhook out at once, or end every drain at once.
 */
const MAX_TIMER_MS = 2_147_483_647;

/** The longest wait between two webhook attempts, seconds (a week): a retry is planned in PostgreSQL and BullMQ. */
const MAX_RETRY_SECONDS = 7 * 24 * 3600;

const ENV_SCHEMA = {
  type: 'object',
  required: ['SNE_ADMIN_TOKEN'],
  properties: {
    DATABASE_URL: {
      type: 'string',
      pattern: '^postgres(ql)?://',
      default: 'postgresql://postgres@127.0.0.1:5432/sne',
    },
    // The database number, when given, a number: ioredis sends `SELECT NaN` for `/abc`, which fails
    // every command while the process still starts.
    REDIS_URL: {
      type: 'string',
      pattern: '^rediss?://[^/?#]*(/[0-9]*)?([?#].*)?$',
      default: 'redis://127.0.0.1:6379/0',
    },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    HOST: { type: 'string', default: '0.0.0.0' },
    SNE_ADMIN_TOKEN: { type: 'string', minLength: 16 },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
    SNE_ROLES: {
      type: 'string',
      pattern: '^(api|worker|scheduler)(,(api|worker|scheduler))*$',
      default: 'api,worker,scheduler',
    },
    // A Redis Cluster needs a hash tag (`{sne}`) so that every key of a queue lands in one slot.
    SNE_QUEUE_PREFIX: { type: 'string', pattern: '^([A-Za-z0-9_-]+|\\{[A-Za-z0-9_-]+\\})$', default: 'sne' },
    SNE_WORKER_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
    SNE_APPLY_TRANSACTION_MESSAGES: { type: 'integer', minimum: 0, default: 0 },
    SNE_APPLY_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 100, default: 8 },
    SNE_APPLY_BACKOFF_MS: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 1000 },
    SNE_DEFER_DELAY_MS: { type: 'integer', minimum: 1, maximum: MAX_TIMER_MS, default: 100 },
    SNE_RECONCILE_INTERVAL_MS: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS, default: 10_000 },
    SNE_RECONCILE_GRACE_MS: { type: 'integer', minimum: 0, maximum: MAX_TIMER_MS, default: 30_000 },
    SNE_JOB_LOCK_MS: { type: 'integer', minimum: 1000, maximum: MAX_TIMER_MS, default: 30_000 },
    SNE_DRAIN_LIMIT_MS: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS, default: 25_000 },
    SNE_LOT_MAX_BYTES: { type: 'integer', minimum: 1024, default: 10 * 1024 * 1024 },
    SNE_LOT_MAX_MESSAGES: { type: 'integer', minimum: 1, default: 1000 },
    SNE_LOT_DECODE_THREADS: { type: 'integer', minimum: 0, maximum: 16, default: 1 },
    SNE_JSON_MAX_BYTES: { type: 'integer', minimum: 1024, default: 1024 * 1024 },
    SNE_SWEEP_CRON: { type: 'string', default: '0 2 * * *' },
    SNE_PIECE_MAX_BYTES: { type: 'integer', minimum: 1024, default: 10 * 1024 * 1024 },
    SNE_SECRET_KEY: { type: 'string', minLength: 32 },
    SNE_WEBHOOK_RETRY_SCHEDULE: {
      type: 'string',
      pattern: '^[0-9]+(,[0-9]+)*$',
      default: '5,30,120,600,1800,3600,10800,21600,43200',
    },
    SNE_WEBHOOK_ALLOW_PRIVATE: { enum: ['true', 'false'], default: 'false' },
    SNE_WEBHOOK_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: MAX_TIMER_MS, default: 10_000 },
    SNE_WEBHOOK_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 256, default: 8 },
    SNE_DELIVERIES_RETENTION_DAYS: { type: 'integer', minimum: 0, default: 90 },
    SNE_RPLS_MAX_BYTES: { type: 'integer', minimum: 1024, default: 2 * 1024 * 1024 * 1024 },
    SNE_RPLS_MAX_REJECTED: { type: 'integer', minimum: 0, default: 1000 },
    SNE_RPLS_IMPORT_CONNECTIONS: { type: 'integer', minimum: 1, maximum: 32, default: 2 },
    SNE_PG_IDLE_IN_TRANSACTION_MS: { type: 'integer', minimum: 0, maximum: MAX_TIMER_MS, default: 60_000 },
    SNE_PUBLIC_URL: { type: 'string', pattern: '^https?://' },
    SNE_RATE_LIMIT_PER_MINUTE: { type: 'string' },
    SNE_REPLAY_BACKGROUND_ABOVE: { type: 'integer', minimum: 0, default: 10_000 },
    SNE_DELAI_ANORMAL_MOIS: { type: 'string', default: '{}' },
  },
} as const;

type ValidatedEnv = {
  [K in keyof typeof ENV_SCHEMA.properties]: (typeof ENV_SCHEMA.properties)[K] extends { type: 'integer' }
    ? number
    : string;
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the configuration; throws a ConfigError that says every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile(ENV_SCHEMA);
  const input: Record<string, unknown> = {};
  for (const key of Object.keys(ENV_SCHEMA.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) =>
      e.keyword === 'required'
        ? `${e.params.missingProperty} is required`
        : `${e.instancePath.slice(1)} ${e.message}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}.`);
  }
  // Validated, coerced and defaulted by the schema above.
  const v = input as unknown as ValidatedEnv;
  const problems = [
    ...cronProblems(v.SNE_SWEEP_CRON),
    ...retryScheduleProblems(v.SNE_WEBHOOK_RETRY_SCHEDULE),
  ];
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}.`);
  const rateLimits = parseRateLimits(input.SNE_RATE_LIMIT_PER_MINUTE as string | undefined);
  const delais = parseDelaiAnormal(v.SNE_DELAI_ANORMAL_MOIS);
  return {
    databaseUrl: v.DATABASE_URL,
    redisUrl: v.REDIS_URL,
    port: v.PORT,
    host: v.HOST,
    adminToken: v.SNE_ADMIN_TOKEN,
    logLevel: v.LOG_LEVEL,
    roles: [...new Set(v.SNE_ROLES.split(','))] as Config['roles'],
    queuePrefix: v.SNE_QUEUE_PREFIX,
    workerConcurrency: v.SNE_WORKER_CONCURRENCY,
    applyTransactionMessages: v.SNE_APPLY_TRANSACTION_MESSAGES,
    applyAttempts: v.SNE_APPLY_ATTEMPTS,
    applyBackoffMs: v.SNE_APPLY_BACKOFF_MS,
    deferDelayMs: v.SNE_DEFER_DELAY_MS,
    reconcileIntervalMs: v.SNE_RECONCILE_INTERVAL_MS,
    reconcileGraceMs: v.SNE_RECONCILE_GRACE_MS,
    jobLockMs: v.SNE_JOB_LOCK_MS,
    drainLimitMs: v.SNE_DRAIN_LIMIT_MS,
    lotMaxBytes: v.SNE_LOT_MAX_BYTES,
    lotMaxMessages: v.SNE_LOT_MAX_MESSAGES,
    lotDecodeThreads: v.SNE_LOT_DECODE_THREADS,
    jsonMaxBytes: v.SNE_JSON_MAX_BYTES,
    sweepCron: v.SNE_SWEEP_CRON,
    pieceMaxBytes: v.SNE_PIECE_MAX_BYTES,
    secretKey: input.SNE_SECRET_KEY === undefined ? undefined : v.SNE_SECRET_KEY,
    webhookRetrySchedule: v.SNE_WEBHOOK_RETRY_SCHEDULE.split(',').map(Number),
    webhookAllowPrivate: v.SNE_WEBHOOK_ALLOW_PRIVATE === 'true',
    webhookTimeoutMs: v.SNE_WEBHOOK_TIMEOUT_MS,
    webhookConcurrency: v.SNE_WEBHOOK_CONCURRENCY,
    deliveriesRetentionDays: v.SNE_DELIVERIES_RETENTION_DAYS,
    rplsMaxBytes: v.SNE_RPLS_MAX_BYTES,
    rplsMaxRejected: v.SNE_RPLS_MAX_REJECTED,
    rplsImportConnections: v.SNE_RPLS_IMPORT_CONNECTIONS,
    pgIdleInTransactionMs: v.SNE_PG_IDLE_IN_TRANSACTION_MS,
    publicUrl: (input.SNE_PUBLIC_URL as string | undefined) ?? `http://localhost:${v.PORT}`,
    rateLimits,
    replayBackgroundAbove: v.SNE_REPLAY_BACKGROUND_ABOVE,
    delaiAnormalMois: { defaut: delais['*'] ?? 24, parDepartement: delais },
  };
}

/**
 * `SNE_SWEEP_CRON` read as the scheduler will read it (BullMQ's cron-parser, Europe/Paris): a bad
 * pattern was accepted at start, then every plan of the daily sweeps failed with a warning, and
 * no préavis, radiation or purge ever ran.
 */
function cronProblems(pattern: string): string[] {
  try {
    cronParser.parseExpression(pattern, { tz: 'Europe/Paris' });
    return [];
  } catch (error) {
    return [`SNE_SWEEP_CRON is not a cron pattern (${(error as Error).message})`];
  }
}

function retryScheduleProblems(schedule: string): string[] {
  return schedule.split(',').some((seconds) => Number(seconds) > MAX_RETRY_SECONDS)
    ? [`SNE_WEBHOOK_RETRY_SCHEDULE: a wait may not exceed ${MAX_RETRY_SECONDS} seconds (a week)`]
    : [];
}

/** `SNE_RATE_LIMIT_PER_MINUTE`: a JSON object from role to requests per minute, merged over the defaults. */
function parseRateLimits(text: string | undefined): RateLimits {
  if (text === undefined) return DEFAULT_RATE_LIMITS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError('Invalid configuration: SNE_RATE_LIMIT_PER_MINUTE must be a JSON object.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('Invalid configuration: SNE_RATE_LIMIT_PER_MINUTE must be a JSON object.');
  }
  const problems = Object.entries(parsed).flatMap(([key, value]) => [
    ...(RATE_LIMIT_KEYS.has(key) ? [] : [`unknown role ${key}`]),
    ...(Number.isInteger(value) && (value as number) >= 1 ? [] : [`${key} must be an integer >= 1`]),
  ]);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration: SNE_RATE_LIMIT_PER_MINUTE: ${problems.join('; ')}.`);
  }
  return { ...DEFAULT_RATE_LIMITS, ...(parsed as Record<string, number>) };
}

/** `SNE_DELAI_ANORMAL_MOIS`: a JSON object from département code (or `*`) to a whole number of months. */
function parseDelaiAnormal(text: string): Record<string, number> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError('Invalid configuration: SNE_DELAI_ANORMAL_MOIS is not JSON.');
  }
  const valid =
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.entries(value).every(
      ([k, n]) =>
        /^(\*|[0-9][0-9AB][0-9]?)$/.test(k) &&
        Number.isInteger(n) &&
        (n as number) > 0 &&
        (n as number) <= 240,
    );
  if (!valid) {
    throw new ConfigError(
      'Invalid configuration: SNE_DELAI_ANORMAL_MOIS must map départements (or "*") to months (1-240), e.g. {"75": 60}.',
    );
  }
  return value as Record<string, number>;
}
