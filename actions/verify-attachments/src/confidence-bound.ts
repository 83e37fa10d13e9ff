/**
 * The exact one-sided upper confidence bound (Clopper–Pearson) of a binomial proportion: the largest rate at which
 * seeing `observed` or fewer in `trials` still has probability `1 - confidence`. It is the `confidence` quantile of
 * Beta(observed + 1, trials - observed). With nothing observed it is 1 - (1 - confidence)^(1/trials), about 3/trials
 * at 95% (the "rule of three").
 */
export function upperConfidenceBound(observed: number, trials: number, confidence = 0.95): number {
  if (trials === 0 || observed >= trials) return 1;
  if (observed === 0) return -Math.expm1(Math.log1p(-confidence) / trials);
  return betaQuantile(confidence, observed + 1, trials - observed);
}

/** The x with I_x(a, b) = p, by bisection: I_x is increasing in x, and 200 halvings reach the last bit of a double. */
export function betaQuantile(p: number, a: number, b: number): number {
  let low = 0;
  let high = 1;
  for (let step = 0; step < 200 && high - low > Number.EPSILON * high; step++) {
    const middle = (low + high) / 2;
    if (regularizedBeta(middle, a, b) < p) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

/**
 * The regularized incomplete beta function I_x(a, b), by the continued fraction of Numerical Recipes (§6.4) with
 * the modified Lentz method, using the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges fast.
 */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let fraction = d;
  for (let m = 1; m <= 100_000; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + even / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    fraction *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + odd / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    fraction *= delta;
    if (Math.abs(delta - 1) < 1e-15) return fraction;
  }
  return fraction;
}

// Lanczos approximation (g = 7, 9 terms), good to about 15 digits for positive arguments.
const lanczos = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z);
  const shifted = z - 1;
  let series = lanczos[0] as number;
  for (let index = 1; index < lanczos.length; index++) series += (lanczos[index] as number) / (shifted + index);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(series);
}
