/**
 * The scenario's plan: every demande of a year like the committee's, each with its fate decided in
 * advance, its messages dated, and the slot (month of the simulated year) in which each message is
 * received. Pure and deterministic: the same reference, scale and seed give the same plan.
 *
 * How the counts come out exactly (definitions of domain.md "Dates and statistics", period
 * [du, au]). Let X be a demande's last dépôt-or-renouvellement date before `du`; its automatic
 * radiation for non-renouvellement falls at A = X + 1 year + 1 month.
 * - Stock (dépôt < du, en cours at du) needs A ≥ du, i.e. X ≥ du − 13 months.
 * - Radiée for non-renouvellement in the period: A ≤ au, and never renewed nor radiated otherwise;
 *   the month-end sweeps radiate it. Only stock demandes can be: a new one's A is after `au`.
 * - En cours at the end, from the stock: renewed in the period before A; or X in the last month
 *   before `du` (A after `au`); or radiated by the sweep and then reactivated by a later renewal
 *   (its radiation is cancelled).
 * - Radiée for an explicit motif in the period: dated in the period, before A for a stock demande.
 *   Some are catch-ups: dated on or before A but received after the sweep radiated the demande.
 * - Demandes radiated before `du` (historic) count nowhere: they check the stock's definition.
 */
import {
  addDays,
  addMonths,
  addYears,
  daysBetween,
  endOfMonth,
  type IsoDate,
  monthsBetween,
} from './calendar.ts';
import { bailleursOf, COMMUNES, clientById, registrarsOf, sptGuichetsOf } from './clients.ts';
import { Prng } from './prng.ts';
import {
  type FluxFigures,
  type FluxTable,
  MOTIFS,
  type MotifRadiation,
  partsOf,
  sumFigures,
} from './reference.ts';

export const TYPOLOGIES = ['chambre', 'T1', 'T2', 'T3', 'T4', 'T5', 'T6+'] as const;
export type Typologie = (typeof TYPOLOGIES)[number];

/** A radiation a guichet or bailleur sends (non-renouvellement is the hub's, attribution has its own message). */
export type MotifExplicite = 'abandon' | 'irrecevabilite' | 'non-reponse';

export interface PlannedEvent {
  kind: 'enregistrement' | 'renouvellement' | 'modification' | 'radiation' | 'attribution';
  /** The sender's message id (unique per client). */
  id: string;
  /** The sending client's id. */
  client: string;
  /** The business date (dépôt, renouvellement, radiation, bail); for a modification, when it was made. */
  date: IsoDate;
  /** When it is received: 0 before the period, 1-12 its months, 13+ after the final sweep. */
  slot: number;
  /** Not received before this slot (catch-ups and reactivations come after the sweep that radiated). */
  notBefore?: number;
  motif?: MotifExplicite;
  sousMotif?: 'plafond-ressources' | 'irregularite-sejour';
  logement?: string;
  contingent?: 'prefet' | 'action-logement' | 'collectivite' | 'bailleur' | 'autre';
  accordCollectif?: boolean;
  typologie?: Typologie;
}

/** What happens to a demande, for the plan's summary. */
export const FATES = [
  'historique-abandon',
  'historique-non-renouvelee',
  'stock-non-renouvelee',
  'stock-radiee',
  'stock-rattrapage',
  'stock-renouvelee',
  'stock-recente',
  'stock-reactivee',
  'nouvelle-radiee',
  'nouvelle-en-cours',
] as const;
export type Fate = (typeof FATES)[number];

export interface PlannedDemande {
  /** The scenario's own key, `59-000123`. */
  key: string;
  departement: string;
  /** The client that registers it. */
  registrar: string;
  /** Its referenceGuichet (SPT registrars only). */
  ref?: string;
  dateDepot: IsoDate;
  identite: { nom: string; prenom: string; dateNaissance: IsoDate };
  nationalite: 'FR' | 'UE' | 'HORS_UE';
  nombrePersonnes: number;
  ressources: number;
  typologie: Typologie;
  communes: string[];
  motif: string;
  /** In the order they must take effect; the first is the enregistrement. */
  events: PlannedEvent[];
  fate: Fate;
  /** The radiation the registry must show at the end, if any. */
  radiation?: { motif: MotifRadiation; date: IsoDate };
}

export interface PlannedLogement {
  identifiant: string;
  siren: string;
  commune: string;
  nbPieces: number;
}

export interface ScenarioPlan {
  du: IsoDate;
  au: IsoDate;
  /** The figures asked for (the reference, scaled). */
  target: FluxTable;
  /** The figures the plan's demandes give by domain.md's definitions (equal to `target`, checked). */
  expected: FluxTable;
  demandes: PlannedDemande[];
  logements: PlannedLogement[];
  /** The last slot in which something is received. */
  lastSlot: number;
  fates: Record<Fate, number>;
  messages: number;
}

/** Shares that shape the year (not the counts, which come from the reference). */
const STOCK_SHARE_OF_EXPLICIT = 0.45;
const CATCH_UP_SHARE = 0.2;
const REACTIVATED_SHARE = 0.04;
const RECENT_SHARE = 0.08;
const HISTORIC_SHARE = 0.02;
const MODIFIED_SHARE = 0.3;
const NEW_RENEWED_SHARE = 0.5;

const NOMS = [
  'Dupont',
  'Lefèvre',
  'Martin',
  'Bernard',
  'Dubois',
  'Moreau',
  'Leroy',
  'Roux',
  'Fournier',
  'Girard',
  'Bonnet',
  'Mercier',
  'Boyer',
  'Blanc',
  'Guérin',
  'Müller',
  'Faure',
  'André',
  'Gauthier',
  'Perrin',
  'Robin',
  'Clément',
  'Morin',
  'Nicolas',
  'Henry',
  'Rousseau',
  'Mathieu',
  'Noël',
  'Caron',
  "D'Hondt",
];
const PRENOMS = [
  'Amélie',
  'Hélène',
  'François',
  'Jérôme',
  'Zoé',
  'Maël',
  'Noémie',
  'Loïc',
  'Inès',
  'Gaëlle',
  'Jean',
  'Marie',
  'Paul',
  'Léa',
  'Hugo',
  'Chloé',
  'Lucas',
  'Manon',
  'Karim',
  'Fatima',
  'Mohamed',
  'Sophie',
  'Thierry',
  'Céline',
  'Rémi',
  'Anaïs',
  'Jérémy',
  'Élodie',
  'Björn',
  'Yasmine',
];
const MOTIFS_DEMANDE = [
  'sans-logement',
  'hebergement',
  'logement-insalubre',
  'logement-trop-petit',
  'logement-trop-cher',
  'violences',
  'handicap',
  'mutation',
  'rapprochement-travail',
  'divorce-separation',
  'autre',
] as const;

/** The earliest slot a message dated `date` is received in: 0 before `du`, then one per month of the period. */
export function slotOf(du: IsoDate, date: IsoDate): number {
  return date < du ? 0 : 1 + monthsBetween(du, date);
}

/** The "as of" date of the sweep run after a slot: the slot's last day, `au` after the period. */
export function sweepDateOf(du: IsoDate, au: IsoDate, slot: number): IsoDate {
  if (slot === 0) return addDays(du, -1);
  const end = endOfMonth(addMonths(du, slot - 1));
  return end > au ? au : end;
}

/** The automatic radiation date of a demande whose last dépôt or renouvellement is `x`. */
export function autoRadiation(x: IsoDate): IsoDate {
  return addMonths(addYears(x, 1), 1);
}

/** Builds the plan for `target` (a flux table whose lines are départements). */
export function buildPlan(
  target: FluxTable,
  seed: number,
  typologieWeights: Record<string, number>,
): ScenarioPlan {
  const rng = new Prng(seed);
  const { du, au } = target;
  const demandes: PlannedDemande[] = [];
  let identityIndex = 0;
  const ids = new Map<string, number>();
  const logementCounts = new Map<string, number>();

  const nextId = (client: string): string => {
    const n = (ids.get(client) ?? 0) + 1;
    ids.set(client, n);
    return `${clientById(client).codeGuichet ?? client}-${String(n).padStart(7, '0')}`;
  };
  const randomDate = (from: IsoDate, to: IsoDate): IsoDate =>
    addDays(from, rng.int(0, daysBetween(from, to)));
  const typologie = (): Typologie => rng.weighted(typologieWeights) as Typologie;

  for (const [departement, t] of Object.entries(target.lignes)) {
    const registrars = registrarsOf(departement);
    const sptRegistrars = registrars.filter((c) => c.channel !== 'pgp');
    const bailleurs = bailleursOf(departement);
    const guichets = sptGuichetsOf(departement);
    const communes = COMMUNES[departement];
    if (!communes || bailleurs.length === 0 || sptRegistrars.length === 0) {
      throw new Error(`no clients or communes for département ${departement}`);
    }
    const weightsOf = (list: typeof registrars) =>
      Object.fromEntries(list.map((c) => [c.id, c.weight ?? 1])) as Record<string, number>;

    // Demandes deposited before the period come from the guichets' software only: the portail's
    // follow-ups need the numéro, known a slot after the enregistrement, and before the period
    // there is a single slot.
    const newDemande = (fate: Fate, dateDepot: IsoDate, sptOnly: boolean): PlannedDemande => {
      const registrar = rng.weighted(weightsOf(sptOnly ? sptRegistrars : registrars));
      const i = identityIndex++;
      const client = clientById(registrar);
      const first = rng.pick(communes);
      const others = communes.filter((c) => c !== first).slice(0, rng.int(0, 2));
      const d: PlannedDemande = {
        key: `${departement}-${String(demandes.length).padStart(6, '0')}`,
        departement,
        registrar,
        ...(client.channel === 'pgp' ? {} : { ref: `${client.codeGuichet}-R${String(i).padStart(7, '0')}` }),
        dateDepot,
        identite: {
          nom: NOMS[i % NOMS.length] as string,
          prenom: PRENOMS[Math.floor(i / NOMS.length) % PRENOMS.length] as string,
          // (k × 53) mod 20000 takes a different value for each k < 20000: identities never repeat.
          dateNaissance: addDays(
            '1945-01-01',
            (Math.floor(i / (NOMS.length * PRENOMS.length)) * 53) % 20_000,
          ),
        },
        nationalite: rng.weighted({ FR: 85, UE: 5, HORS_UE: 10 }),
        nombrePersonnes: rng.int(1, 6),
        ressources: rng.int(0, 320_000) / 100,
        typologie: typologie(),
        communes: [first, ...others],
        motif: rng.pick(MOTIFS_DEMANDE),
        events: [],
        fate,
      };
      d.events.push({
        kind: 'enregistrement',
        id: nextId(registrar),
        client: registrar,
        date: dateDepot,
        slot: 0,
      });
      demandes.push(d);
      return d;
    };

    /** A stock demande whose last pre-period date is `x`: dépôt, then yearly renewals (each before its échéance). */
    const stockDemande = (fate: Fate, x: IsoDate): PlannedDemande => {
      const renewals = rng.weighted({ 0: 40, 1: 30, 2: 20, 3: 10 });
      const chain = [x];
      for (let k = 0; k < Number(renewals); k++) {
        chain.unshift(addDays(addYears(chain[0] as IsoDate, -1), rng.int(1, 40)));
      }
      const d = newDemande(fate, chain[0] as IsoDate, true);
      for (const date of chain.slice(1)) add(d, 'renouvellement', d.registrar, date);
      return d;
    };

    const add = (
      d: PlannedDemande,
      kind: PlannedEvent['kind'],
      client: string,
      date: IsoDate,
      extra: Partial<PlannedEvent> = {},
    ): PlannedEvent => {
      const e: PlannedEvent = { kind, id: nextId(client), client, date, slot: 0, ...extra };
      d.events.push(e);
      return e;
    };

    const modify = (d: PlannedDemande, from: IsoDate) => {
      if (!rng.chance(MODIFIED_SHARE)) return;
      const changed = typologie();
      if (changed === d.typologie) return;
      add(d, 'modification', d.registrar, randomDate(from, au), { typologie: changed });
    };

    /** An explicit radiation (or attribution) of `d` dated `date`, by a client allowed to send it. */
    const radiate = (
      d: PlannedDemande,
      motif: Exclude<MotifRadiation, 'non-renouvellement'>,
      date: IsoDate,
    ) => {
      const registrarRole = clientById(d.registrar).role;
      if (motif === 'attribution' || motif === 'irrecevabilite') {
        const own = registrarRole === 'bailleur' && rng.chance(0.6);
        const bailleur = own ? d.registrar : rng.pick(bailleurs).id;
        if (motif === 'attribution') {
          const n = (logementCounts.get(bailleur) ?? 0) + 1;
          logementCounts.set(bailleur, n);
          add(d, 'attribution', bailleur, date, {
            logement: logementId(departement, bailleur, n),
            contingent: rng.weighted({
              prefet: 25,
              'action-logement': 20,
              collectivite: 15,
              bailleur: 35,
              autre: 5,
            }),
            accordCollectif: rng.chance(0.1),
          });
        } else {
          add(d, 'radiation', bailleur, date, {
            motif,
            sousMotif: rng.chance(0.7) ? 'plafond-ressources' : 'irregularite-sejour',
          });
        }
      } else if (motif === 'non-reponse' && registrarRole === 'pgp') {
        // The portail has no non-réponse: a guichet of the département records it.
        add(d, 'radiation', rng.pick(guichets).id, date, { motif });
      } else {
        add(d, 'radiation', d.registrar, date, { motif });
      }
      d.radiation = { motif, date };
    };

    const explicitMotifs = MOTIFS.filter((m) => m !== 'non-renouvellement');
    const stockExplicit = Object.fromEntries(
      explicitMotifs.map((m) => [m, Math.round(t.radiees[m] * STOCK_SHARE_OF_EXPLICIT)]),
    ) as Record<(typeof explicitMotifs)[number], number>;
    const stockExplicitTotal = explicitMotifs.reduce((s, m) => s + stockExplicit[m], 0);
    const stockSurvivors = t.enCoursDebut - t.radiees['non-renouvellement'] - stockExplicitTotal;
    const newSurvivors =
      t.nouvelles - explicitMotifs.reduce((s, m) => s + t.radiees[m] - stockExplicit[m], 0);
    if (stockSurvivors < 0 || newSurvivors < 0) {
      throw new Error(`département ${departement}: more radiations than demandes to radiate`);
    }

    // Historic: radiated before the period, in no count.
    const historic = Math.round(t.enCoursDebut * HISTORIC_SHARE);
    for (let k = 0; k < historic; k++) {
      if (k % 2 === 0) {
        // X + 13 months < du: the sweep as of du − 1 day radiates it.
        const d = stockDemande(
          'historique-non-renouvelee',
          randomDate(addMonths(du, -33), addMonths(du, -14)),
        );
        d.radiation = { motif: 'non-renouvellement', date: autoRadiation(lastDate(d)) };
      } else {
        const d = newDemande('historique-abandon', randomDate(addMonths(du, -30), addMonths(du, -3)), true);
        radiate(d, 'abandon', randomDate(d.dateDepot, addDays(du, -1)));
      }
    }

    // Stock radiated for non-renouvellement in the period: X in [du − 13 months, A ≤ au].
    const xFirst = addMonths(du, -13);
    let xFirstRecent = addMonths(au, -13);
    while (autoRadiation(xFirstRecent) <= au) xFirstRecent = addDays(xFirstRecent, 1);
    const xLastRadiated = addDays(xFirstRecent, -1);
    for (let k = 0; k < t.radiees['non-renouvellement']; k++) {
      const d = stockDemande('stock-non-renouvelee', randomDate(xFirst, xLastRadiated));
      d.radiation = { motif: 'non-renouvellement', date: autoRadiation(lastDate(d)) };
    }

    // Stock radiated explicitly in the period; some as catch-ups received after the sweep.
    for (const motif of explicitMotifs) {
      const catchUps = Math.round(stockExplicit[motif] * CATCH_UP_SHARE);
      for (let k = 0; k < stockExplicit[motif]; k++) {
        if (k < catchUps) {
          const d = stockDemande('stock-rattrapage', randomDate(xFirst, xLastRadiated));
          const a = autoRadiation(lastDate(d));
          radiate(d, motif, randomDate(du, a));
          (d.events.at(-1) as PlannedEvent).notBefore = slotOf(du, a) + 1 + rng.int(0, 2);
        } else {
          const date = randomDate(du, au);
          const d = stockDemande('stock-radiee', xBefore(date));
          radiate(d, motif, date);
        }
      }
    }

    // Stock en cours at the end.
    const reactivated = Math.round(stockSurvivors * REACTIVATED_SHARE);
    const recent = Math.round(stockSurvivors * RECENT_SHARE);
    for (let k = 0; k < stockSurvivors; k++) {
      if (k < reactivated) {
        // Radiated by a month-end sweep (A before the period's last month), renewed within 6 months after.
        const d = stockDemande('stock-reactivee', randomDate(xFirst, addMonths(xLastRadiated, -1)));
        const a = autoRadiation(lastDate(d));
        const from = addDays(endOfMonth(a), 1);
        const until = minDate(addMonths(addYears(lastDate(d), 1), 6), au);
        const date = randomDate(from, until);
        add(d, 'renouvellement', d.registrar, date, { notBefore: slotOf(du, a) + 1 });
        modify(d, date);
      } else if (k < reactivated + recent) {
        // Deposited or renewed in the month before du: A falls after au.
        const d = stockDemande('stock-recente', randomDate(xFirstRecent, addDays(du, -1)));
        modify(d, du);
      } else {
        const date = randomDate(du, au);
        const d = stockDemande('stock-renouvelee', xBefore(date));
        add(d, 'renouvellement', d.registrar, date);
        modify(d, date);
      }
    }

    // New demandes: radiated explicitly in the period, or still en cours.
    for (const motif of explicitMotifs) {
      for (let k = 0; k < t.radiees[motif] - stockExplicit[motif]; k++) {
        const d = newDemande('nouvelle-radiee', randomDate(du, au), false);
        radiate(d, motif, randomDate(d.dateDepot, au));
      }
    }
    for (let k = 0; k < newSurvivors; k++) {
      const d = newDemande('nouvelle-en-cours', randomDate(du, au), false);
      const renewFrom = addMonths(d.dateDepot, 10);
      if (renewFrom <= au && rng.chance(NEW_RENEWED_SHARE)) {
        const date = randomDate(renewFrom, au);
        modifyBefore(d, date);
        add(d, 'renouvellement', d.registrar, date);
      } else {
        modify(d, d.dateDepot);
      }
    }

    /** A typologie change dated before `until` (events stay in date order). */
    function modifyBefore(d: PlannedDemande, until: IsoDate) {
      if (!rng.chance(MODIFIED_SHARE)) return;
      const changed = typologie();
      if (changed !== d.typologie) {
        add(d, 'modification', d.registrar, randomDate(d.dateDepot, until), { typologie: changed });
      }
    }

    /** An X before `du` whose automatic radiation falls after `date` (so the demande is active on `date`). */
    function xBefore(date: IsoDate): IsoDate {
      const lo = maxDate(addDays(addMonths(date, -13), 1), xFirst);
      let x = randomDate(lo, addDays(du, -1));
      while (autoRadiation(x) <= date) x = addDays(x, 1);
      return x;
    }
  }

  let lastSlot = 0;
  for (const d of demandes) {
    assignSlots(du, d);
    lastSlot = Math.max(lastSlot, ...d.events.map((e) => e.slot));
  }
  const logements: PlannedLogement[] = [];
  for (const [bailleur, count] of logementCounts) {
    const { departements, organisme } = clientById(bailleur);
    const departement = departements[0] as string;
    const communes = COMMUNES[departement] ?? [];
    for (let n = 1; n <= count; n++) {
      logements.push({
        identifiant: logementId(departement, bailleur, n),
        siren: organisme,
        commune: communes[n % communes.length] as string,
        nbPieces: n % 7,
      });
    }
  }
  const expected = figuresOf(demandes, du, au, Object.keys(target.lignes));
  checkEqual(target, expected);
  const fates = Object.fromEntries(FATES.map((f) => [f, 0])) as Record<Fate, number>;
  for (const d of demandes) fates[d.fate]++;
  return {
    du,
    au,
    target,
    expected,
    demandes,
    logements,
    lastSlot,
    fates,
    messages: demandes.reduce((s, d) => s + d.events.length, 0),
  };
}

function lastDate(d: PlannedDemande): IsoDate {
  return (d.events.at(-1) as PlannedEvent).date;
}

function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return [a, b].sort()[0] as IsoDate;
}

function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return [a, b].sort()[1] as IsoDate;
}

/** `59A0000001`: département, bailleur letter, sequence (10 characters, RPLS identifier). */
function logementId(departement: string, bailleur: string, n: number): string {
  const letter = bailleur === bailleursOf(departement)[0]?.id ? 'A' : 'B';
  return `${departement}${letter}${String(n).padStart(7, '0')}`;
}

/**
 * When each message is received. In date order, not before its date's month; a message naming the
 * demande by numéro unique (another client than the registrar, or the portail) comes after the
 * enregistrement's slot, when the numéro is known; a message from another client than the previous
 * one comes a slot later, so that within a slot all of a demande's messages travel in one client's
 * lots, in order.
 */
function assignSlots(du: IsoDate, d: PlannedDemande): void {
  const registration = d.events[0] as PlannedEvent;
  registration.slot = slotOf(du, registration.date);
  let previous = registration;
  for (const e of d.events.slice(1)) {
    let slot = Math.max(slotOf(du, e.date), previous.slot, e.notBefore ?? 0);
    const byReference = e.client === d.registrar && clientById(e.client).channel !== 'pgp';
    if (!byReference) slot = Math.max(slot, registration.slot + 1);
    if (e.client !== previous.client) slot = Math.max(slot, previous.slot + 1);
    e.slot = slot;
    previous = e;
  }
}

/** The flux table the demandes give, by domain.md's definitions, from their planned dates and radiation. */
export function figuresOf(
  demandes: PlannedDemande[],
  du: IsoDate,
  au: IsoDate,
  departements: string[],
): FluxTable {
  const lignes: Record<string, FluxFigures> = {};
  for (const dep of departements) lignes[dep] = sumFigures([]);
  for (const d of demandes) {
    const f = lignes[d.departement];
    if (!f) continue;
    const r = d.radiation;
    if (d.dateDepot < du && (!r || r.date >= du)) f.enCoursDebut++;
    if (du <= d.dateDepot && d.dateDepot <= au) f.nouvelles++;
    if (r && du <= r.date && r.date <= au) {
      f.radiees.total++;
      f.radiees[r.motif]++;
    }
    if (d.dateDepot <= au && (!r || r.date > au)) f.enCoursFin++;
  }
  const total = sumFigures(Object.values(lignes));
  return { du, au, lignes, total, part: partsOf(lignes, total) };
}

function checkEqual(target: FluxTable, expected: FluxTable): void {
  const a = JSON.stringify({ l: target.lignes, t: target.total });
  const b = JSON.stringify({ l: expected.lignes, t: expected.total });
  if (a !== b) throw new Error(`the plan does not give the target figures:\n target ${a}\n plan   ${b}`);
}
