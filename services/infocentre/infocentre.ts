import { type AncienneteReponse, ancienneteDe } from './anciennete.ts';
import {
  type AttributionsDelaisReponse,
  type AttributionsMensuelReponse,
  attributionsDelaisDe,
  attributionsMensuelDe,
} from './attributions.ts';
import { type Cumul, cumulVide, enCours, fluxDe, MOUVEMENTS } from './flux.ts';
import { type FluxReponse, fluxReponse } from './flux-reponse.ts';
import { nextDay, requireDate, requirePeriode } from './periode.ts';
import { type QualiteReponse, qualiteDe } from './qualite.ts';
import type { AnnuaireFiltre, CumulParTypologie, GuichetAnnuaire, InfocentreQueries } from './queries.ts';
import { resolveTerritoire, type Territoire, unionPerimetre } from './territoire.ts';
import { type TypologieReponse, typologieDe } from './typologie.ts';

/** Options of the infocentre. */
export interface InfocentreOptions {
  /**
   * Délai anormalement long by département, months (`SNE_DELAI_ANORMAL_MOIS`); a département not
   * in the map takes `defaut`. Default 24 everywhere.
   */
  delaiAnormalMois: { defaut: number; parDepartement: Record<string, number> };
}

/** Counts over all typologies. */
function sommeTypologies(c: CumulParTypologie | undefined): Cumul {
  const total = cumulVide();
  for (const parMouvement of Object.values(c ?? {})) {
    for (const m of MOUVEMENTS) total[m] += parMouvement[m];
  }
  return total;
}

/** The chiffres-clés of a commune for the public (interfaces.md §12). */
export interface ChiffresCles {
  commune: string;
  annee: number;
  logementsSociaux: number;
  demandesEnAttente: number;
  attributions: number;
}

/**
 * The infocentre: figures of the registry for a set of territoires. Unmasked; statistical secrecy
 * is applied by the caller according to who reads (see secret.ts).
 */
export class Infocentre {
  constructor(
    private readonly queries: InfocentreQueries,
    private readonly options: InfocentreOptions,
  ) {}

  /** Resolves `territoire` parameters (at least one); throws TERRITOIRE_INVALIDE / TERRITOIRE_INCONNU. */
  territoires(codes: string[]): Territoire[] {
    return [...new Set(codes)].map(resolveTerritoire);
  }

  /** The flux table of each territoire over `[du, au]`, and of their union (`total`). */
  async flux(territoires: Territoire[], du: string, au: string): Promise<FluxReponse> {
    requirePeriode(du, au);
    const bornes = [du, nextDay(au)];
    // One snapshot: lines read while messages apply must add up to the total read with them.
    return this.queries.snapshot(async (queries) => {
      const lire = async (perimetre: Territoire['perimetre']) => {
        const cumuls = await queries.cumuls(perimetre, bornes);
        return fluxDe(
          sommeTypologies(cumuls.get(bornes[0] as string)),
          sommeTypologies(cumuls.get(bornes[1] as string)),
        );
      };
      const lignes = [];
      for (const t of territoires) lignes.push({ territoire: t.code, flux: await lire(t.perimetre) });
      const total =
        territoires.length === 1
          ? (lignes[0]?.flux ?? (await lire(unionPerimetre(territoires))))
          : await lire(unionPerimetre(territoires));
      return fluxReponse(du, au, lignes, total);
    });
  }

  /** Demandes en cours at the end of `date` by current typologie, over the union of the territoires. */
  async typologie(territoires: Territoire[], date: string): Promise<TypologieReponse> {
    requireDate(date, 'date');
    const borne = nextDay(date);
    const cumuls = await this.queries.cumuls(unionPerimetre(territoires), [borne]);
    return typologieDe(
      date,
      territoires.map((t) => t.code),
      cumuls.get(borne) as CumulParTypologie,
    );
  }

  /** Demandes en cours at the end of `date` by ancienneté since dépôt, over the union of the territoires. */
  async anciennete(territoires: Territoire[], date: string): Promise<AncienneteReponse> {
    requireDate(date, 'date');
    const depots = await this.queries.depotsEnCours(unionPerimetre(territoires), date);
    return ancienneteDe(
      date,
      territoires.map((t) => t.code),
      depots,
    );
  }

  /** Attributions per month of `[du, au]` (bail date) against the expected yearly rhythm. */
  async attributionsMensuel(
    territoires: Territoire[],
    du: string,
    au: string,
    rythmeAnnuel: number,
  ): Promise<AttributionsMensuelReponse> {
    requirePeriode(du, au);
    const groupes = await this.queries.attributionsParMois(unionPerimetre(territoires), du, au);
    return attributionsMensuelDe(
      du,
      au,
      territoires.map((t) => t.code),
      rythmeAnnuel,
      groupes,
    );
  }

  /** Délais dépôt → bail of the attributions signed in `[du, au]`. */
  async attributionsDelais(
    territoires: Territoire[],
    du: string,
    au: string,
  ): Promise<AttributionsDelaisReponse> {
    requirePeriode(du, au);
    const lignes = await this.queries.delaisAttribution(unionPerimetre(territoires), du, au);
    const { defaut, parDepartement } = this.options.delaiAnormalMois;
    return attributionsDelaisDe(
      du,
      au,
      territoires.map((t) => t.code),
      lignes,
      (d) => parDepartement[d] ?? defaut,
    );
  }

  /** The quality indicators of every guichet acting on the département over `[du, au]`. */
  async qualite(departement: string, du: string, au: string): Promise<QualiteReponse> {
    requirePeriode(du, au);
    return qualiteDe(departement, du, au, await this.queries.qualiteGuichets(departement, du, au));
  }

  /**
   * Logements of the parc in the commune (the parc as last imported: RPLS keeps no history here),
   * demandes en cours at 31 December of the year whose rank-1 commune is this one, attributions of
   * logements of the commune with a bail signed that year.
   */
  async chiffresCles(territoire: Territoire, annee: number): Promise<ChiffresCles> {
    const borne = `${annee + 1}-01-01`;
    // One snapshot: a household attributed meanwhile is not counted both waiting and housed.
    const [cumuls, bruts] = await this.queries.snapshot(async (queries) => [
      await queries.cumuls(territoire.perimetre, [borne]),
      await queries.chiffresCles(territoire.perimetre.communes[0] as string, annee),
    ]);
    return {
      commune: territoire.perimetre.communes[0] as string,
      annee,
      logementsSociaux: bruts.logementsSociaux,
      demandesEnAttente: enCours(sommeTypologies(cumuls.get(borne))),
      attributions: bruts.attributions,
    };
  }

  /** The guichets enregistreurs, by département and commune served: `rows` of them after `after`. */
  annuaire(filtre: AnnuaireFiltre, rows: number, after?: string): Promise<GuichetAnnuaire[]> {
    return this.queries.annuaire(filtre, rows, after);
  }
}
