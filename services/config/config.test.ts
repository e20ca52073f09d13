import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

/** Values that pass a type check and misbehave at run time are refused at start-up, named. */
const base = { SNE_ADMIN_TOKEN: 'a-long-enough-admin-token' };

describe('configuration read at start-up', () => {
  it.each([
    // A pattern the scheduler cannot read: every plan of the daily sweeps failed, with a warning, for ever.
    ['SNE_SWEEP_CRON', 'tous les jours', 'SNE_SWEEP_CRON is not a cron pattern'],
    ['SNE_SWEEP_CRON', '61 25 * * *', 'SNE_SWEEP_CRON is not a cron pattern'],
    // Past a Node timer's longest delay, a timer fires after 1 ms: every webhook timed out at once.
    ['SNE_WEBHOOK_TIMEOUT_MS', '3000000000', 'SNE_WEBHOOK_TIMEOUT_MS must be <= 2147483647'],
    ['SNE_DRAIN_LIMIT_MS', '3000000000', 'SNE_DRAIN_LIMIT_MS must be <= 2147483647'],
    // ioredis sent SELECT NaN: every command failed while the process ran.
    ['REDIS_URL', 'redis://127.0.0.1:6379/abc', 'REDIS_URL must match pattern'],
    ['SNE_WEBHOOK_RETRY_SCHEDULE', '5,99999999999', 'a wait may not exceed 604800 seconds'],
  ])('refuses %s=%s', (name, value, message) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(message);
  });

  it.each([
    ['SNE_SWEEP_CRON', '30 3 * * 1-5'],
    ['REDIS_URL', 'redis://127.0.0.1:6379'],
    ['REDIS_URL', 'redis://127.0.0.1:6379/2'],
    ['REDIS_URL', 'rediss://user:secret@redis.example.fr:6380/0?family=6'],
    ['SNE_WEBHOOK_TIMEOUT_MS', '2147483647'],
  ])('takes %s=%s', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).not.toThrow();
  });
});
