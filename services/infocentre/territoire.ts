import { createRequire } from 'node:module';
import { InfocentreError } from './errors.ts';

/**
 * The territoires statistics are asked for, resolved with the Code officiel géographique of
 * `@etalab/decoupage-administratif` into what the counts are kept by: départements, or communes
 * (a demande counts in the commune, hence the EPCI, of its rank-1 commune souhaitée).
 */
export type NiveauTerritoire = 'commune' | 'epci' | 'departement' | 'region' | 'france';

/** What a set of demandes is selected by: whole départements, or communes (rank 1). */
export interface Perimetre {
  departements: string[];
  communes: string[];
}

export interface Territoire {
  /** As asked: `departement:59`, `commune:59350`, `france`. */
  code: string;
  niveau: NiveauTerritoire;
  nom: string;
  perimetre: Perimetre;
  /** The départements it lies in (for the client's scope). */
  departements: string[];
}

interface CommuneRecord {
  code: string;
  nom: string;
  type: string;
  departement?: string;
}
interface EpciRecord {
  code: string;
  nom: string;
  membres: { code: string }[];
}
interface NamedRecord {
  code: string;
  nom: string;
  region?: string;
  /** `metro`, `drom` or `com` (collectivités d'outre-mer). */
  zone?: string;
}

interface Cog {
  communes: Map<string, CommuneRecord>;
  epci: Map<string, EpciRecord>;
  departements: Map<string, NamedRecord>;
  regions: Map<string, NamedRecord>;
}

const require = createRequire(import.meta.url);
let cog: Cog | undefined;

/** Loaded once, on first use (a few MB of JSON). */
function loadCog(): Cog {
  if (!cog) {
    const data = (name: string) => require(`@etalab/decoupage-administratif/data/${name}.json`);
    const communes = (data('communes') as CommuneRecord[]).filter((c) => c.type === 'commune-actuelle');
    cog = {
      communes: new Map(communes.map((c) => [c.code, c])),
      epci: new Map((data('epci') as EpciRecord[]).map((e) => [e.code, e])),
      departements: new Map((data('departements') as NamedRecord[]).map((d) => [d.code, d])),
      regions: new Map((data('regions') as NamedRecord[]).map((r) => [r.code, r])),
    };
  }
  return cog;
}

const SYNTAX = /^(?:(commune|epci|departement|region):([0-9A-Z]{1,9})|(france))$/;

/** Resolves one `territoire` parameter; throws TERRITOIRE_INVALIDE or TERRITOIRE_INCONNU. */
export function resolveTerritoire(code: string): Territoire {
  const match = SYNTAX.exec(code);
  if (!match) throw new InfocentreError('TERRITOIRE_INVALIDE', `Got "${code}".`);
  const { communes, epci, departements, regions } = loadCog();
  if (match[3]) {
    // The départements of the régions (métropole and DROM); the collectivités d'outre-mer have
    // their own registries.
    const all = [...departements.values()].filter((d) => d.zone !== 'com').map((d) => d.code);
    return {
      code,
      niveau: 'france',
      nom: 'France',
      perimetre: { departements: all, communes: [] },
      departements: all,
    };
  }
  const niveau = match[1] as 'commune' | 'epci' | 'departement' | 'region';
  const id = match[2] as string;
  const unknown = () => new InfocentreError('TERRITOIRE_INCONNU', `Got "${code}".`);
  switch (niveau) {
    case 'commune': {
      const commune = communes.get(id);
      if (!commune?.departement) throw unknown();
      return {
        code,
        niveau,
        nom: commune.nom,
        perimetre: { departements: [], communes: [id] },
        departements: [commune.departement],
      };
    }
    case 'epci': {
      const record = epci.get(id);
      if (!record) throw unknown();
      const membres = record.membres.map((m) => m.code).filter((c) => communes.has(c));
      const deps = [...new Set(membres.map((c) => communes.get(c)?.departement as string))];
      return {
        code,
        niveau,
        nom: record.nom,
        perimetre: { departements: [], communes: membres },
        departements: deps,
      };
    }
    case 'departement': {
      const record = departements.get(id);
      if (!record) throw unknown();
      return {
        code,
        niveau,
        nom: record.nom,
        perimetre: { departements: [id], communes: [] },
        departements: [id],
      };
    }
    case 'region': {
      const record = regions.get(id);
      if (!record) throw unknown();
      const deps = [...departements.values()].filter((d) => d.region === id).map((d) => d.code);
      return {
        code,
        niveau,
        nom: record.nom,
        perimetre: { departements: deps, communes: [] },
        departements: deps,
      };
    }
  }
}

/**
 * The union of several territoires, each demande once: whole départements, plus the communes that
 * lie outside them (a commune inside an asked département is already counted).
 */
export function unionPerimetre(territoires: Territoire[]): Perimetre {
  const departements = new Set(territoires.flatMap((t) => t.perimetre.departements));
  const { communes: cog } = loadCog();
  const communes = new Set(
    territoires
      .flatMap((t) => t.perimetre.communes)
      .filter((c) => !departements.has(cog.get(c)?.departement ?? '')),
  );
  return { departements: [...departements].sort(), communes: [...communes].sort() };
}
