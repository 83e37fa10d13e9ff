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
  /** How many were taken: fewer than the share when the draw budget ran out first (a name too rare for it). */
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
 * Small names may draw on up to this many times the ids the whole sample took to find: the cost of the plan stays
 * within a small multiple of the sample's own, however the names are spread, and a name of at least
 * share ÷ (budgetFactor × sample) of the rows still gets its whole share.
 */
const budgetFactor = 1.5;
/** A table of at most this many rows (or 4 samples, if more) is read whole: it costs a few milliseconds, and counts exactly. */
const minimumWhole = 20_000;
/**
 * Ids per lookup query. A batch holds as many ids as the draw still seems to need, up to four times those drawn
 * before it, so a plan takes a few queries rather than dozens, and the lookups of one query, sorted by the index,
 * share its pages. The cap keeps a batch a sliver of any large table, so it goes through the primary key index.
 */
const minimumBatch = 1000;
/** Once the density is known, a top-up draws only the tenth more than it needs, however few: a gap costs a lookup too. */
const minimumTopUp = 100;
const maximumBatch = 50_000;

/**
 * Draws a stratified sample whose cost grows with the sample, not the table: ids drawn uniformly in [min, max] with
 * a seeded generator and looked up by primary key in batches, gaps retried, without replacement, so the hits are a
 * uniform random order of the rows. The first batch, as large as the sample needs at the table's density,
 * estimates each attachment name's size; the shares come from `allocateShares`; names short of their share draw on
 * within the budget (`budgetFactor`); a name the budget could not fill keeps what it found and the others take up the
 * rest. Each name takes its first hits in draw order, which makes each stratum a simple random sample of its name.
 * A small table is read whole and shuffled instead. Same seed and same rows give the same sample.
 */
export async function planSample(space: IdSpace, size: number, random: Random, maxProbes = Math.max(100 * size, 1_000_000)): Promise<SamplePlan> {
  const range = await space.range();
  if (range === undefined || size === 0) return {units: [], strata: [], population: 0, exact: true, probes: 0};
  const stream = await UnitStream.open(space, range, random, Math.max(4 * size, minimumWhole), maxProbes);

  await stream.fill(() => stream.idsFor(size - stream.units.length, stream.units.length));
  const budget = budgetFactor * stream.probesFor(size);
  const fillShares = async (shares: Map<Stratum, number>, limit: number) => {
    stream.limitProbes(limit);
    await stream.fill(() => {
      const found = countByStratum(stream.units);
      return Math.max(0, ...[...shares].map(([stratum, share]) => stream.idsFor(share - (found.get(stratum) ?? 0), found.get(stratum) ?? 0)));
    });
  };

  if (space.stratified) await fillShares(allocateShares(stream.sizes(), size), budget);
  // The sizes and shares from every draw so far (a name may first turn up while the small ones draw on); names the
  // budget could not fill keep what was found, the others take up the rest, drawing on if they must (they are the
  // large names, so it takes few more ids). A name none of whose rows turned up gets none.
  const sizes = stream.sizes();
  const shares = allocateShares(sizes, size);
  const found = countByStratum(stream.units);
  const isShort = (stratum: Stratum) => (found.get(stratum) ?? 0) < (shares.get(stratum) ?? 0);
  const short = [...shares.keys()].some(isShort);
  const final = short
    ? allocateShares(new Map([...sizes].map(([stratum, n]) => [stratum, isShort(stratum) || !found.get(stratum) ? (found.get(stratum) ?? 0) : n])), size)
    : shares;
  if (short) await fillShares(final, maxProbes);

  const taken = new Map<Stratum, number>();
  const units = stream.units.filter(unit => {
    const already = taken.get(unit.stratum) ?? 0;
    if (already >= (final.get(unit.stratum) ?? 0)) return false;
    taken.set(unit.stratum, already + 1);
    return true;
  });
  const strata = [...stream.sizes().entries()]
    .sort(([a], [b]) => compareStrata(a, b))
    .map(([stratum, estimated]) => ({
      stratum,
      size: estimated,
      share: shares.get(stratum) ?? 0,
      drawn: taken.get(stratum) ?? 0,
    }));
  const population = stream.exhausted ? stream.units.length : Math.round(stream.units.length * stream.scale());
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
    /** A table of at most this many rows is read whole. */
    private readonly wholeLimit: number,
    private maxProbes: number,
  ) {}

  static async open(space: IdSpace, range: {min: number; max: number}, random: Random, wholeLimit: number, maxProbes: number): Promise<UnitStream> {
    const stream = new UnitStream(space, range, random, wholeLimit, maxProbes);
    if (range.max - range.min + 1 <= stream.wholeLimit) await stream.readWhole();
    return stream;
  }

  /** How many ids had been probed when the n-th unit was found. */
  probesFor(n: number): number {
    return this.probedAt[n - 1] ?? this.probes;
  }

  /** Rows per id drawn, inverted: what a count of hits scales up by to estimate the table's. */
  scale(): number {
    return this.exhausted ? 1 : (this.range.max - this.range.min + 1) / Math.max(1, this.probes);
  }

  /** Each name's size: counted when the table was read whole, else its hits scaled up. */
  sizes(): Map<Stratum, number> {
    const sizes = countByStratum(this.units);
    for (const [stratum, count] of sizes) sizes.set(stratum, Math.round(count * this.scale()));
    return sizes;
  }

  /** The most ids drawn from here on, including those drawn so far; `maxProbes` stays the hard bound. */
  limitProbes(limit: number): void {
    this.limit = Math.min(this.maxProbes, limit);
  }

  private limit = Number.POSITIVE_INFINITY;

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
    for (let ids = wanted(); ids > 0 && !this.exhausted && this.probes < Math.min(this.limit, this.maxProbes); ids = wanted()) {
      // A tenth more than the estimate, so one batch usually does; but at most four times the ids drawn so far, since
      // an estimate from a few hits (a sparse table's) may be far off.
      const cap = Math.min(maximumBatch, Math.max(minimumBatch, 4 * this.probes));
      await this.drawBatch(Math.min(cap, Math.max(this.probes ? minimumTopUp : minimumBatch, Math.ceil(ids * 1.1))));
      // Few rows spread over many ids, fewer than the ids still to draw: reading them is cheaper than chasing them (the
      // estimate firms up as draws add up, so it is asked after every batch).
      const estimate = (this.units.length * (this.range.max - this.range.min + 1)) / this.probes;
      if (!this.exhausted && estimate <= Math.max(this.wholeLimit, wanted())) await this.readWhole();
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
    const count = Math.min(size, Math.min(this.limit, this.maxProbes) - this.probes, span - this.seen.size);
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
