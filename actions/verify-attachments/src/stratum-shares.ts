/** An attachment name, or `null` for blobs that no attachment names (unattached, or no attachments table). */
export type Stratum = string | null;

/**
 * Splits a sample of `size` across strata of the given sizes. Half the sample is shared equally, so a name with
 * a handful of blobs still gets checked; the rest goes in proportion to what each name has left, so the big names
 * get their fair share. No stratum gets more than it has. Remainders go to the largest fractions, ties by name,
 * so the split is the same on every run.
 */
export function allocateShares(sizes: ReadonlyMap<Stratum, number>, size: number): Map<Stratum, number> {
  const strata = [...sizes.keys()].sort(compareStrata);
  const shares = new Map<Stratum, number>(strata.map(stratum => [stratum, 0]));
  const total = strata.reduce((sum, stratum) => sum + capacity(sizes, stratum), 0);
  if (total <= size) {
    for (const stratum of strata) shares.set(stratum, capacity(sizes, stratum));
    return shares;
  }
  const equal = Math.floor(size / (2 * strata.length));
  for (const stratum of strata) shares.set(stratum, Math.min(capacity(sizes, stratum), equal));

  // The rest in proportion to the room each stratum has left, which never exceeds that room, so one pass does.
  const left = size - sum(shares);
  const room = (stratum: Stratum) => capacity(sizes, stratum) - (shares.get(stratum) ?? 0);
  const totalRoom = strata.reduce((all, stratum) => all + room(stratum), 0);
  const exact = strata.map(stratum => ({stratum, amount: (left * room(stratum)) / totalRoom}));
  for (const {stratum, amount} of exact) shares.set(stratum, (shares.get(stratum) ?? 0) + Math.floor(amount));
  const byRemainder = exact
    .filter(({stratum}) => room(stratum) > 0)
    .sort((a, b) => b.amount - Math.floor(b.amount) - (a.amount - Math.floor(a.amount)) || compareStrata(a.stratum, b.stratum));
  for (const {stratum} of byRemainder.slice(0, size - sum(shares))) shares.set(stratum, (shares.get(stratum) ?? 0) + 1);
  return shares;
}

function capacity(sizes: ReadonlyMap<Stratum, number>, stratum: Stratum): number {
  return Math.max(0, Math.floor(sizes.get(stratum) ?? 0));
}

function sum(shares: Map<Stratum, number>): number {
  return [...shares.values()].reduce((all, share) => all + share, 0);
}

/** Unattached first, then names in code-point order: a stable order for ties and for reports. */
export function compareStrata(a: Stratum, b: Stratum): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}
