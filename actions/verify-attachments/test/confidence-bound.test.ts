import {describe, expect, it} from 'vitest';
import {betaQuantile, regularizedBeta, upperConfidenceBound} from '../src/confidence-bound.js';

describe('upperConfidenceBound (one-sided 95%, Clopper–Pearson)', () => {
  // Reference values: scipy.stats.beta.ppf(0.95, missing + 1, checked - missing), scipy 1.17.
  it.each([
    [0, 1, 0.95],
    [0, 10, 0.2588655508930522],
    [0, 20, 0.13910834066826516],
    [0, 200, 0.014867039231272054],
    [1, 200, 0.023498470434950704],
    [3, 10, 0.6066242161054123],
    [5, 100, 0.1022533776432745],
    [9, 10, 0.9948838031081763],
    [50, 1000, 0.06286340351237973],
    [1000, 10_000, 0.10507111658723024],
    [2, 10_000, 0.0006294441486871455],
    [17, 1_000_000, 2.5499121720934182e-5],
    [0, 10_000_000, 2.9957318248334424e-7],
    [199, 200, 0.9997435664127765],
  ])('%d missing of %d: %f', (missing, checked, expected) => {
    expect(upperConfidenceBound(missing, checked)).toBeCloseTo(expected, 10);
    expect(Math.abs(upperConfidenceBound(missing, checked) - expected) / expected).toBeLessThan(1e-9);
  });

  it.each([
    [10, 10],
    [0, 0],
  ])('is 1 when every one of %d of %d is missing, or nothing was checked', (missing, checked) => {
    expect(upperConfidenceBound(missing, checked)).toBe(1);
  });

  it('is where seeing that many or fewer has probability 5% (the binomial tail, summed directly)', () => {
    const checked = 200;
    const missing = 4;
    const bound = upperConfidenceBound(missing, checked);
    let tail = 0;
    for (let k = 0; k <= missing; k++) {
      let logChoose = 0;
      for (let i = 1; i <= k; i++) logChoose += Math.log(checked - k + i) - Math.log(i);
      tail += Math.exp(logChoose + k * Math.log(bound) + (checked - k) * Math.log1p(-bound));
    }
    expect(tail).toBeCloseTo(0.05, 12);
  });
});

describe('regularizedBeta and betaQuantile', () => {
  it.each([
    // I_x(a, b) with closed forms: I_x(1, b) = 1 - (1-x)^b, I_x(a, 1) = x^a, I_0.5(a, a) = 0.5.
    [0.3, 1, 4, 1 - 0.7 ** 4],
    [0.3, 5, 1, 0.3 ** 5],
    [0.5, 7, 7, 0.5],
    [0, 2, 3, 0],
    [1, 2, 3, 1],
  ])('I_%f(%f, %f) = %f', (x, a, b, expected) => {
    expect(regularizedBeta(x, a, b)).toBeCloseTo(expected, 13);
  });

  it('inverts the regularized beta', () => {
    for (const [p, a, b] of [
      [0.95, 3, 198],
      [0.5, 2, 2],
      [0.01, 10, 1000],
    ] as const) {
      expect(regularizedBeta(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 12);
    }
  });
});
