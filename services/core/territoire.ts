import { createRequire } from 'node:module';

/**
 * The Code officiel géographique, from `@etalab/decoupage-administratif` (never a hand-typed list).
 * Loaded once, on first use.
 */
interface CommuneRecord {
  code: string;
  nom: string;
  type: string;
  departement?: string;
  region?: string;
}
interface DepartementRecord {
  code: string;
  nom: string;
  region: string;
}

const require = createRequire(import.meta.url);
let communes: Map<string, CommuneRecord> | undefined;
let departements: Map<string, DepartementRecord> | undefined;

function communeIndex(): Map<string, CommuneRecord> {
  if (!communes) {
    const all = require('@etalab/decoupage-administratif/data/communes.json') as CommuneRecord[];
    // Only current communes: associated and delegated ones share codes and are not places a
    // demande can name.
    communes = new Map(all.filter((c) => c.type === 'commune-actuelle').map((c) => [c.code, c]));
  }
  return communes;
}

function departementIndex(): Map<string, DepartementRecord> {
  if (!departements) {
    const all = require('@etalab/decoupage-administratif/data/departements.json') as DepartementRecord[];
    departements = new Map(all.map((d) => [d.code, d]));
  }
  return departements;
}

export function isDepartement(code: string): boolean {
  return departementIndex().has(code);
}

/** The département of a current commune, or undefined when the INSEE code is not one. */
export function departementOfCommune(insee: string): string | undefined {
  return communeIndex().get(insee)?.departement;
}

export function allDepartements(): string[] {
  return [...departementIndex().keys()];
}
