import { describe, expect, it } from 'vitest';
import { CELLULES_PART, type Flux } from './flux.ts';
import { fluxCsv, fluxReponse, masquerFlux } from './flux-reponse.ts';

function flux(enCoursDebut: number, nouvelles: number, attribution: number, abandon = 0): Flux {
  const total = attribution + abandon;
  return {
    enCoursDebut,
    nouvelles,
    radiees: {
      total,
      abandon,
      attribution,
      irrecevabilite: 0,
      'non-renouvellement': 0,
      'non-reponse': 0,
    },
    enCoursFin: enCoursDebut + nouvelles - total,
  };
}

const LIBELLES = new Map([
  ['departement:59', 'Nord'],
  ['departement:62', 'Pas-de-Calais'],
]);

/** Two départements without any abandon, irrecevabilité, non-renouvellement or non-réponse. */
const REPONSE = fluxReponse(
  '2013-10-01',
  '2014-09-30',
  [
    { territoire: 'departement:59', flux: flux(300, 60, 40) },
    { territoire: 'departement:62', flux: flux(100, 20, 10) },
  ],
  flux(400, 80, 50),
);

/** The "Part … (%)" columns of a CSV row: the last nine. */
const parts = (ligne: unknown[] | undefined) => ligne?.slice(-CELLULES_PART.length);

describe('fluxCsv', () => {
  it("writes each line's shares as the JSON does, 0 for a cell whose total is 0", () => {
    const { entetes, lignes } = fluxCsv(REPONSE, LIBELLES);
    expect(entetes).toHaveLength(11 + CELLULES_PART.length);
    REPONSE.lignes.forEach((ligne, i) => {
      expect(parts(lignes[i])).toEqual(CELLULES_PART.map((c) => ligne.part?.[c]));
    });
    expect(parts(lignes[0])).toEqual([75, 75, 80, 0, 80, 0, 0, 0, 74.42]);
  });

  it('gives the total 100 of each cell, but 0 of a cell that is 0 (0/0, as the JSON writes it)', () => {
    const total = fluxCsv(REPONSE, LIBELLES).lignes.at(-1);
    expect(total?.slice(0, 2)).toEqual(['total', 'Total']);
    expect(parts(total)).toEqual([100, 100, 100, 0, 100, 0, 0, 0, 100]);
  });

  it("masks the total's share of a masked total cell, as a line's share of a masked cell", () => {
    const petit = fluxReponse(
      '2013-10-01',
      '2014-09-30',
      [
        { territoire: 'departement:59', flux: flux(300, 60, 4) },
        { territoire: 'departement:62', flux: flux(100, 20, 3) },
      ],
      flux(400, 80, 7),
    );
    const { lignes } = fluxCsv(masquerFlux(petit), LIBELLES);
    // Radiées (total) and attribution are 7 in all: masked; abandon 0 stays 0.
    expect(parts(lignes.at(-1))).toEqual([100, 100, null, 0, null, 0, 0, 0, 100]);
    expect(parts(lignes[0])?.slice(2, 5)).toEqual([null, 0, null]);
  });

  it('has no share columns for a single territoire', () => {
    const seul = fluxReponse(
      '2013-10-01',
      '2014-09-30',
      [{ territoire: 'departement:59', flux: flux(0, 0, 0) }],
      flux(0, 0, 0),
    );
    const { entetes, lignes } = fluxCsv(seul, LIBELLES);
    expect(entetes).toHaveLength(11);
    expect(lignes.at(-1)).toHaveLength(11);
  });
});
