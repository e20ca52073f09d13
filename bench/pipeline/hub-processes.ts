/**
 * Pieces shared by the benches that run the hub as `npm start` does: its processes, a wait, and
 * lots of generated enregistrements (the same ones as `bench:pipeline`).
 */
import { type ChildProcess, spawn } from 'node:child_process';

export function enregistrementXml(i: number): string {
  const day = String((i % 28) + 1).padStart(2, '0');
  return `<enregistrement id="B-${i}"><referenceGuichet>BENCH-${i}</referenceGuichet><departement>59</departement><dateDepot>2014-03-${day}</dateDepot><demandeur><nom>Bench${i}</nom><prenom>Personne</prenom><dateNaissance>1980-01-01</dateNaissance><nationalite>FR</nationalite></demandeur><menage nombrePersonnes="2"/><ressourcesMensuelles>1200.00</ressourcesMensuelles><typologie>T2</typologie><communesSouhaitees><commune rang="1">59350</commune></communesSouhaitees><motif>logement-trop-cher</motif></enregistrement>`;
}

/** SPT v2 lots of `size` enregistrements, numbered from `first`, `count` messages in all. */
export function buildLots(first: number, count: number, size: number): string[] {
  const lots: string[] = [];
  for (let start = first; start < first + count; start += size) {
    const messages: string[] = [];
    for (let i = start; i < Math.min(start + size, first + count); i++) messages.push(enregistrementXml(i));
    lots.push(`<?xml version="1.0" encoding="UTF-8"?><lot xmlns="urn:sne:spt:2">${messages.join('')}</lot>`);
  }
  return lots;
}

/** One hub process (`services/api/main.ts`) with these roles; BENCH_NODE_ARGS adds node flags. */
export function startHub(env: Record<string, string>, roles: string): ChildProcess {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  return spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'services/api/main.ts'], {
    env: { ...process.env, ...env, SNE_ROLES: roles },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function waitUntil(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 600_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A failed check (a connection terminated by another session on the shared PostgreSQL) is "not yet".
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
