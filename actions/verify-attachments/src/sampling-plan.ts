import {type Random, shuffle} from './random.js';
import {allocateShares, compareStrata, type Stratum} from './stratum-shares.js';

/** A blob as the sampler sees it: its id and the attachment name it counts under. */
export interface Unit {
  id: number;
  stratum: Stratum;
}

/** Row ids in a range, some of them gaps: what the sample is drawn from. */
export interface IdSpace {
  /** Whether units carry attachment names worth stratifying by. */
  readonly stratified: boolean;
  /** The lowest and highest id, or `undefined` when there are no rows. */
  range(): Promise<{min: number; max: number} | undefined>;
  /** Which of these ids exist, with their strata, in any order. */
  probe(ids: number[]): Promise<Unit[]>;
  /** Every unit with an id from `min` to `max`, in any order. */
  scan(min: number, max: number): Promise<Unit[]>;
}

export interface StratumPlan {
  stratum: Stratum;
  /** Blobs under this name: counted when the whole table was read, else estimated from the draws. */
  size: number;
  /** How many the plan gives this name. */
  share: number;
  /** How many were found for it (fewer than the share only when the draw budget ran out). */
  drawn: number;
}

export interface SamplePlan {
  units: Unit[];
  strata: StratumPlan[];
  population: number;
  /** True when every row was read, so `population` and the stratum sizes are counts, not estimates. */
  exact: boolean;
  /** Ids looked up, gaps included: the cost of the plan. */
  probes: number;
}

/**
 * The pilot reads this many units per unit of sample, and at least `minimumPilot`: names are only known from what
 * is drawn (finding every distinct name exactly would read the whole table), so a name holding one blob in 20,000
 * is still likely met, at the cost of a few index lookups per thousand.
 */
const pilotFactor = 10;
const minimumPilot = 20_000;
/**
 * Ids per lookup query. A batch holds as many ids as the draw still seems to need, up to four times those drawn
 * before it, so a plan takes a few queries rather than dozens, and the lookups of one query, sorted by the index,
 * share its pages (on a million rows, 30% less time than batches of 2,000). The cap keeps a batch a sliver of any
 * large table, so it goes through the primary key index; only a table not much larger than a batch is read whole by
 * PostgreSQL, where that is cheaper.
 */
const minimumBatch = 1000;
const maximumBatch = 50_000;

/**
 * Draws a stratified sample whose cost grows with the sample, not the table: ids drawn uniformly in [min, max] with
 * a seeded generator and looked up by primary key, gaps retried, without replacement, so the hits are a uniform
 * random order of the rows. The first hits (the pilot) estimate each attachment name's size; the shares
 * come from `allocateShares`; each name then takes its first hits in draw order, which makes each stratum a simple
 * random sample of its name. A table no larger than a few pilots is read whole and shuffled instead. Same seed and
 * same rows give the same sample.
 */
export async function planSample(space: IdSpace, size: number, random: Random, maxProbes = Math.max(100 * size, 1_000_000)): Promise<SamplePlan> {
  const range = await space.range();
  if (range === undefined || size === 0) return {units: [], strata: [], population: 0, exact: true, probes: 0};
  const pilotSize = space.stratified ? Math.max(pilotFactor * size, minimumPilot) : size;
  const stream = await UnitStream.open(space, range, random, pilotSize, maxProbes);

  await stream.fill(() => stream.idsFor(pilotSize - stream.units.length, stream.units.length));
  // Topping up small names may cost at most what the pilot did: enough for a name the pilot met a few times, and a
  // bound that keeps the whole plan proportional to the sample however the names are spread.
  stream.limitProbes(2 * stream.probesFor(pilotSize));
  // A table read whole is counted; otherwise the pilot's counts scale up by the share of drawn ids that were rows.
  const pilot = stream.exhausted ? stream.units : stream.units.slice(0, pilotSize);
  const scale = stream.exhausted ? 1 : (range.max - range.min + 1) / stream.probesFor(pilot.length);
  const sizes = countByStratum(pilot);
  for (const [stratum, count] of sizes) sizes.set(stratum, Math.round(count * scale));

  const shares = allocateShares(sizes, size);
  // The name furthest from its share sets how many more ids to draw, at the rate the draws so far found it.
  await stream.fill(() => {
    const found = countByStratum(stream.units);
    return Math.max(0, ...[...shares].map(([stratum, share]) => stream.idsFor(share - (found.get(stratum) ?? 0), found.get(stratum) ?? 0)));
  });
  const found = countByStratum(stream.units);

  // Names the budget could not fill keep what was found; the others share out what they left.
  const short = [...shares].filter(([stratum, share]) => (found.get(stratum) ?? 0) < share);
  const final = short.length ? allocateShares(new Map([...sizes].map(([stratum, n]) => [stratum, Math.min(n, found.get(stratum) ?? 0)])), size) : shares;

  const taken = new Map<Stratum, number>();
  const units = stream.units.filter(unit => {
    const already = taken.get(unit.stratum) ?? 0;
    if (already >= (final.get(unit.stratum) ?? 0)) return false;
    taken.set(unit.stratum, already + 1);
    return true;
  });
  const strata = [...sizes.keys()].sort(compareStrata).map(stratum => ({
    stratum,
    size: sizes.get(stratum) ?? 0,
    share: shares.get(stratum) ?? 0,
    drawn: taken.get(stratum) ?? 0,
  }));
  const population = stream.exhausted ? stream.units.length : Math.round(pilot.length * scale);
  return {units, strata, population, exact: stream.exhausted, probes: stream.probes};
}

function countByStratum(units: Unit[]): Map<Stratum, number> {
  const counts = new Map<Stratum, number>();
  for (const unit of units) counts.set(unit.stratum, (counts.get(unit.stratum) ?? 0) + 1);
  return counts;
}

/** Units in a uniformly random order, drawn lazily; `exhausted` once every row has been seen. */
class UnitStream {
  readonly units: Unit[] = [];
  exhausted = false;
  probes = 0;
  /** For each unit, how many ids had been probed when it was found. */
  private readonly probedAt: number[] = [];
  private readonly seen = new Set<number>();

  private constructor(
    private readonly space: IdSpace,
    private readonly range: {min: number; max: number},
    private readonly random: Random,
    pilotSize: number,
    private maxProbes: number,
  ) {
    this.wholeLimit = 4 * pilotSize;
  }

  /** A table of at most this many rows is read whole: that costs about what the pilot would, and counts exactly. */
  private readonly wholeLimit: number;

  static async open(space: IdSpace, range: {min: number; max: number}, random: Random, pilotSize: number, maxProbes: number): Promise<UnitStream> {
    const stream = new UnitStream(space, range, random, pilotSize, maxProbes);
    if (range.max - range.min + 1 <= stream.wholeLimit) await stream.readWhole();
    return stream;
  }

  /** How many ids had been probed when the n-th unit was found. */
  probesFor(n: number): number {
    return this.probedAt[n - 1] ?? this.probes;
  }

  limitProbes(limit: number): void {
    this.maxProbes = Math.min(this.maxProbes, limit);
  }

  /**
   * How many more ids it should take to find `missing` more units of a kind that `found` of the draws so far were:
   * none when nothing is missing, as many as the budget allows when none has been found yet.
   */
  idsFor(missing: number, found: number): number {
    if (missing <= 0) return 0;
    if (this.probes === 0) return missing;
    return found === 0 ? Number.POSITIVE_INFINITY : Math.ceil((missing * this.probes) / found);
  }

  /** Draws batches while `wanted` asks for more ids (it is asked again after every batch). */
  async fill(wanted: () => number): Promise<void> {
    for (let ids = wanted(); ids > 0 && !this.exhausted && this.probes < this.maxProbes; ids = wanted()) {
      // A tenth more than the estimate, so one batch usually does; but at most four times the ids drawn so far, since
      // an estimate from a few hits (a sparse table's) may be far off.
      const cap = Math.min(maximumBatch, Math.max(minimumBatch, 4 * this.probes));
      await this.drawBatch(Math.min(cap, Math.max(minimumBatch, Math.ceil(ids * 1.1))));
      // Few rows spread over many ids (the estimate firms up as draws add up, so it is asked after every batch).
      const estimate = (this.units.length * (this.range.max - this.range.min + 1)) / this.probes;
      if (!this.exhausted && estimate <= this.wholeLimit) await this.readWhole();
    }
  }

  private async readWhole(): Promise<void> {
    const all = (await this.space.scan(this.range.min, this.range.max)).sort((a, b) => a.id - b.id);
    this.probes += all.length;
    this.units.length = 0;
    this.probedAt.length = 0;
    this.units.push(...shuffle(all, this.random));
    this.exhausted = true;
  }

  private async drawBatch(size: number): Promise<void> {
    const span = this.range.max - this.range.min + 1;
    const count = Math.min(size, this.maxProbes - this.probes, span - this.seen.size);
    const ids: number[] = [];
    while (ids.length < count) {
      const id = this.range.min + this.random.below(span);
      if (!this.seen.has(id)) {
        this.seen.add(id);
        ids.push(id);
      }
    }
    const order = new Map(ids.map((id, index) => [id, index]));
    const hits = (await this.space.probe(ids)).sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    for (const hit of hits) {
      this.units.push(hit);
      this.probedAt.push(this.probes + (order.get(hit.id) ?? 0) + 1);
    }
    this.probes += ids.length;
    if (this.seen.size >= span) this.exhausted = true;
  }
}
