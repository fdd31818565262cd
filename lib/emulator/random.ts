/**
 * Seeded randomness for the emulator. The world must be identical for the same seed and anchor, so nothing here
 * touches Math.random: streams are mulberry32, and lazily generated parts (comments, likes) are seeded by hashing
 * the seed with the entity's index, so they come out the same whatever order they are asked for in.
 */

/** Mixes any number of 32-bit integers into one well-distributed unsigned 32-bit hash (murmur3-style rounds). */
export function hash32(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    let k = Math.imul(value | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return finalMix(h ^ values.length);
}

function finalMix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A seeded stream of pseudo-random numbers (mulberry32). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** An unsigned 32-bit integer. */
  uint32(): number {
    return Math.floor(this.next() * 4_294_967_296) >>> 0;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `count` distinct integers in [0, n), in ascending order (count <= n). */
  distinct(count: number, n: number): number[] {
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(this.int(n));
    return [...chosen].sort((a, b) => a - b);
  }
}

/** Picks indexes with fixed weights in O(log n) per draw. */
export class WeightedPicker {
  private readonly cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      sum += w;
      this.cumulative[i] = sum;
    });
  }

  pick(rng: Rng): number {
    const target = rng.next() * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf-like weights 1/(rank+offset)^s: a few very popular items and a long tail. */
export function zipfWeights(n: number, s = 1.1, offset = 1): number[] {
  return Array.from({ length: n }, (_, rank) => 1 / Math.pow(rank + offset, s));
}

// An invertible 32-bit mix (lowbias32). Ids carry an entity's index in their low 32 bits through it, so an id
// looks random yet leads straight back to its entity without a lookup table of every id.
const M1 = 0x7feb352d;
const M2 = 0x846ca68b;
const M1_INVERSE = modularInverse(M1);
const M2_INVERSE = modularInverse(M2);

function modularInverse(odd: number): number {
  let inverse = odd; // Newton's iteration doubles the correct low bits each round: 3 -> 6 -> 12 -> 24 -> 48
  for (let i = 0; i < 4; i += 1) inverse = Math.imul(inverse, 2 - Math.imul(odd, inverse));
  return inverse;
}

/** Bijective scramble of an unsigned 32-bit integer. */
export function permute32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, M1);
  x ^= x >>> 15;
  x = Math.imul(x, M2);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Inverse of {@link permute32}. */
export function unpermute32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, M2_INVERSE);
  x ^= (x >>> 15) ^ (x >>> 30);
  x = Math.imul(x, M1_INVERSE);
  x ^= x >>> 16;
  return x >>> 0;
}
