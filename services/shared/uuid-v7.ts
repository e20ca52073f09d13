import { randomBytes } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562 §5.7): 48 bits of Unix milliseconds, then random bits. Ids made one
 * after another sort after one another, so a B-tree on them grows at its right edge: inserting a
 * lot's 500 messages (and their attempts, history lines and events) touches a few index pages,
 * where random (v4) ids touch 500 pages of an index that no longer fits in memory once the
 * registry holds millions of messages (`npm run bench:pipeline` with BENCH_REGISTRY_DEMANDES).
 * Node has no v7 of its own before Node 24 (`crypto.randomUUID` is v4).
 */
export function uuidV7(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
