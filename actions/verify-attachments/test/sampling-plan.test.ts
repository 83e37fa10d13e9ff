import {describe, expect, it} from 'vitest';
import {seededRandom} from '../src/random.js';
import {planSample} from '../src/sampling-plan.js';
import {memorySpace, unitsOf} from './helpers/memory-space.js';

// Interleaved, so the names are spread over the id range as uploads are.
function interleaved(total: number, names: Array<[string, number]>) {
  const units = unitsOf([[null, total]]);
  return units.map((unit, index) => {
    let cut = index % 1000;
    for (const [name, perThousand] of names) {
      if (cut < perThousand) return {...unit, stratum: name};
      cut -= perThousand;
    }
    return unit;
  });
}

describe('planSample', () => {
  it('draws the same sample from the same seed and rows, another from another seed', async () => {
    const units = interleaved(50_000, [
      ['circuit_preview', 700],
      ['profile_picture', 290],
      ['logo', 10],
    ]);
    const ids = async (seed: string) => (await planSample(memorySpace(units), 200, seededRandom(seed))).units.map(unit => unit.id);
    expect(await ids('42')).toEqual(await ids('42'));
    expect(await ids('42')).not.toEqual(await ids('43'));
    expect(new Set(await ids('42')).size).toBe(200);
  });

  it('takes everything, counted, when the sample covers the table', async () => {
    const units = unitsOf([
      ['a', 30],
      ['b', 20],
    ]);
    const plan = await planSample(memorySpace(units), 1000, seededRandom('x'));
    expect(plan.units.map(unit => unit.id).sort((a, b) => a - b)).toEqual(units.map(unit => unit.id));
    expect(plan).toMatchObject({population: 50, exact: true});
  });

  it('gives each name its share and a small name its floor', async () => {
    const units = interleaved(200_000, [
      ['circuit_preview', 450],
      ['profile_picture', 300],
      ['logo', 250],
    ]);
    const plan = await planSample(memorySpace(units), 300, seededRandom('7'));
    const counts = new Map<string | null, number>();
    for (const unit of plan.units) counts.set(unit.stratum, (counts.get(unit.stratum) ?? 0) + 1);
    // Half of 300 equally over 3 names (50 each), the rest by size: the 25% "logo" gets about 87, not 75.
    const logo = plan.strata.find(stratum => stratum.stratum === 'logo');
    expect(plan.units).toHaveLength(300);
    expect(logo?.share).toBeGreaterThanOrEqual(84);
    expect(logo?.share).toBeLessThanOrEqual(91);
    expect(logo?.drawn).toBe(logo?.share);
    expect(counts.get('logo')).toBe(logo?.share);
    expect(counts.get('circuit_preview')).toBeGreaterThan(counts.get('profile_picture') ?? 0);
    expect(plan.exact).toBe(false);
    expect(Math.abs(plan.population - 200_000) / 200_000).toBeLessThan(0.05);
  });

  it('gives a name too rare for its budget what the budget found, the others the rest, at the cost of the sample', async () => {
    const units = interleaved(1_000_000, [
      ['circuit_preview', 700],
      ['profile_picture', 298],
      ['logo', 2],
    ]);
    // One in 20,000: likely first met while the small names draw on, and never chased past the budget.
    for (let index = 10_001; index < units.length; index += 20_000) units[index] = {id: index + 1, stratum: 'banner'};
    const space = memorySpace(units);
    const plan = await planSample(space, 1000, seededRandom('rare'));
    const logo = plan.strata.find(stratum => stratum.stratum === 'logo');
    expect(plan.units).toHaveLength(1000);
    // Its floor would be 166: a 0.2% name would take 83,000 draws to fill it; 1.5 times the sample's 1,000 find about 3.
    expect(logo?.share).toBeGreaterThan(100);
    expect(logo?.drawn).toBeLessThan(15);
    expect(plan.units.filter(unit => unit.stratum === 'logo')).toHaveLength(logo?.drawn ?? -1);
    expect(space.probed).toBeLessThan(1.7 * 1000);
    expect(space.scanned).toBe(0);
  });

  it('costs about the same for a table ten times larger', async () => {
    const names: Array<[string, number]> = [
      ['circuit_preview', 700],
      ['profile_picture', 290],
      ['logo', 10],
    ];
    const small = memorySpace(interleaved(100_000, names));
    const large = memorySpace(interleaved(1_000_000, names));
    await planSample(small, 200, seededRandom('cost'));
    await planSample(large, 200, seededRandom('cost'));
    expect(large.probed / small.probed).toBeLessThan(1.5);
    expect(large.scanned + small.scanned).toBe(0);
  });

  it('retries the gaps of a table with deleted rows', async () => {
    const units = unitsOf([[null, 20_000]], 3);
    const space = memorySpace(units, false);
    const plan = await planSample(space, 500, seededRandom('gaps'));
    expect(plan.units).toHaveLength(500);
    expect(new Set(plan.units.map(unit => unit.id)).size).toBe(500);
    expect(space.probed).toBeGreaterThan(1400);
  });

  it('reads a few rows spread over many ids whole, rather than chasing them', async () => {
    const space = memorySpace(unitsOf([[null, 300]], 10_000), false);
    const plan = await planSample(space, 100, seededRandom('sparse'));
    expect(plan).toMatchObject({population: 300, exact: true});
    expect(plan.units).toHaveLength(100);
    expect(space.scanned).toBe(300);
  });

  it('finds a sparse table with its first small batch, and reads it whole', async () => {
    const space = memorySpace(
      unitsOf(
        [
          ['avatar', 1500],
          ['file', 500],
        ],
        10_000,
      ),
    );
    const plan = await planSample(space, 100, seededRandom('sparse-stratified'));
    expect(plan).toMatchObject({population: 2000, exact: true});
    expect(space.probed).toBe(1000);
  });

  it('stops at its draw budget, keeping what it found', async () => {
    const space = memorySpace(unitsOf([[null, 30_000]], 10), false);
    const plan = await planSample(space, 100, seededRandom('budget'), 500);
    expect(space.probed).toBe(500);
    expect(plan.units.length).toBeGreaterThan(20);
    expect(plan.units.length).toBeLessThan(100);
  });

  it('picks every row equally often (chi-square over 1000 rows below its 99.9% point)', async () => {
    // Spread over 30,000 ids, so that the rows are drawn, not read whole.
    const space = memorySpace(unitsOf([[null, 1000]], 30), false);
    const hits = new Array<number>(1001).fill(0);
    const runs = 2000;
    for (let run = 0; run < runs; run++) {
      for (const unit of (await planSample(space, 10, seededRandom(`u${run}`))).units) hits[unit.id / 30] = (hits[unit.id / 30] ?? 0) + 1;
    }
    const expected = (runs * 10) / 1000;
    const chiSquare = hits.slice(1).reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(1143);
  }, 30_000);

  it('has nothing to draw from an empty table', async () => {
    expect(await planSample(memorySpace([]), 200, seededRandom('0'))).toEqual({units: [], strata: [], population: 0, exact: true, probes: 0});
  });
});
