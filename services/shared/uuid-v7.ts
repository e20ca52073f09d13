import { randomUUID } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids made one
 * after another sort after one another, so a B-tree on them grows at its right edge: inserting a
 * lot's 500 messages (and their attempts, history lines and events) touches a few index pages,
 * where random (v4) ids touch 500 pages of an index that no longer fits in memory once the
 * registry holds millions of messages (`npm run bench:pipeline` with BENCH_REGISTRY_DEMANDES).
 * Node has no v7 of its own before Node 24 (`crypto.randomUUID` is v4).
 *
 * Built on a v4 from `crypto.randomUUID`, which draws its random bytes from a cache: a
 * `randomBytes(16)` of its own for each id was about 4 % of the API's busy CPU at 1,000 filings a second.
 * The v4's time-free bits are kept (its variant, `10`, is v7's too); its first 48 bits give way to
 * the time, and its version digit `4` to `7`: 74 random bits remain, as RFC 9562 asks.
 */
export function uuidV7(now = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // A v4 is `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`: what follows its version digit is kept.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID as the hub writes them, 8-4-4-4-12 hex digits: the `uuid` format of its parameters.
 * ajv-formats' own also takes a `urn:uuid:` prefix, which PostgreSQL's uuid type refuses: such a
 * parameter went through the schema and failed as a 500.
 */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
