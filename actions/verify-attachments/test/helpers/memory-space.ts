import type {IdSpace, Unit} from '../../src/sampling-plan.js';
import type {Stratum} from '../../src/stratum-shares.js';

/** An id space held in memory, counting what the sampler asks of it. */
export function memorySpace(units: Unit[], stratified = true): IdSpace & {probed: number; scanned: number} {
  const byId = new Map(units.map(unit => [unit.id, unit]));
  const ids = units.map(unit => unit.id);
  const space = {
    stratified,
    probed: 0,
    scanned: 0,
    range: async () => (units.length ? {min: ids.reduce((a, b) => Math.min(a, b)), max: ids.reduce((a, b) => Math.max(a, b))} : undefined),
    probe: async (wanted: number[]) => {
      space.probed += wanted.length;
      return wanted.flatMap(id => byId.get(id) ?? []).reverse();
    },
    scan: async (min: number, max: number) => {
      const found = units.filter(unit => unit.id >= min && unit.id <= max);
      space.scanned += found.length;
      return found.reverse();
    },
  };
  return space;
}

/** Units 1..n (every `gap`-th id used), named by the first stratum whose cumulative count has not been reached. */
export function unitsOf(strata: Array<[Stratum, number]>, gap = 1): Unit[] {
  const units: Unit[] = [];
  let id = 0;
  for (const [stratum, count] of strata) {
    for (let index = 0; index < count; index++) {
      id += gap;
      units.push({id, stratum});
    }
  }
  return units;
}
