import { describe, expect, it } from 'vitest';
import { type Cumul, cumulVide, fluxDe, partDe, pourcent } from './flux.ts';

function cumul(values: Partial<Cumul>): Cumul {
  return { ...cumulVide(), ...values };
}

describe('fluxDe', () => {
  it('derives the four figures from the counts before du and up to au', () => {
    const avantDu = cumul({ depot: 100, abandon: 5, attribution: 20, 'non-renouvellement': 15 });
    const jusquAu = cumul({
      depot: 160,
      abandon: 9,
      attribution: 41,
      'non-renouvellement': 30,
      'non-reponse': 1,
    });
    const flux = fluxDe(avantDu, jusquAu);
    expect(flux).toEqual({
      enCoursDebut: 60,
      nouvelles: 60,
      radiees: {
        total: 41,
        abandon: 4,
        attribution: 21,
        irrecevabilite: 0,
        'non-renouvellement': 15,
        'non-reponse': 1,
      },
      enCoursFin: 79,
    });
    expect(flux.enCoursFin).toBe(flux.enCoursDebut + flux.nouvelles - flux.radiees.total);
  });

  it('is all zeros for a territory without demandes', () => {
    expect(fluxDe(cumulVide(), cumulVide()).enCoursFin).toBe(0);
  });
});

describe('part and pourcent', () => {
  it.each([
    [64, 100, 64],
    [2, 3, 66.67],
    [1, 3, 33.33],
    [0, 0, 0],
    [5, 0, 0],
  ])('%i of %i is %f %%', (part, tout, expected) => {
    expect(pourcent(part, tout)).toBe(expected);
  });

  it('reproduces the committee shares of the Nord in the région (npdc-2014.json)', () => {
    const nord = fluxDe(cumul({}), cumul({}));
    Object.assign(nord, {
      enCoursDebut: 90584,
      nouvelles: 62683,
      radiees: {
        total: 64324,
        abandon: 938,
        attribution: 27369,
        irrecevabilite: 34,
        'non-renouvellement': 35974,
        'non-reponse': 9,
      },
      enCoursFin: 88943,
    });
    const region = {
      enCoursDebut: 127580,
      nouvelles: 97816,
      radiees: {
        total: 97528,
        abandon: 1758,
        attribution: 42005,
        irrecevabilite: 38,
        'non-renouvellement': 53711,
        'non-reponse': 16,
      },
      enCoursFin: 127868,
    };
    expect(partDe(nord, region)).toEqual({
      enCoursDebut: 71.0,
      nouvelles: 64.08,
      radiees: 65.95,
      abandon: 53.36,
      attribution: 65.16,
      irrecevabilite: 89.47,
      'non-renouvellement': 66.98,
      'non-reponse': 56.25,
      enCoursFin: 69.56,
    });
  });
});
