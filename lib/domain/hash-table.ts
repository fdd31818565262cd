/**
 * A compact table keyed by 128-bit hex hashes (the keyed record hashes, or any digest), for passes over a whole
 * corpus that must keep a little per key (verify: when the log last saw a record, whether its object exists).
 *
 * A `Map<string, number>` costs ~150-200 bytes of garbage-collected heap per key (the 32-char string, the map
 * entry, a boxed number), and V8 lets the heap grow to a multiple of what is live before collecting, so a corpus
 * of 100k keys cost ~100 MB of RSS. Here an entry is 16 bytes of key, one float64 and one byte in typed arrays
 * outside the JS heap, plus a 4-byte slot in an open-addressing index: ~45 bytes per key at worst.
 *
 * A key that is not 32 lowercase hex characters (never made by Steward's hashers, but a log may hold anything) is
 * kept as a string on the side, so the table answers for every key.
 *
 * Entries are numbered densely in insertion order and never move: `value(i)`, `tag(i)` and `keyAt(i)` address them.
 *
 * @example
 * const seen = new HashTable();
 * const i = seen.add('0123456789abcdef0123456789abcdef');
 * seen.setValue(i, Date.parse('2026-03-01T00:00:00Z'));
 * seen.find('0123456789abcdef0123456789abcdef'); // i
 */

const HEX128 = /^[0-9a-f]{32}$/;
const EMPTY = -1;
/** Entry tags with this bit hold a key kept on the side (not hex); the low 7 bits are the caller's. */
const SIDE = 0x80;
/** The bits of a tag the caller may use. */
export const TAG_BITS = 0x7f;

export class HashTable {
  /** Entries in use: 0..size-1. */
  size = 0;
  private words: Uint32Array;
  private values: Float64Array;
  private tags: Uint8Array;
  /** Open addressing, linear probing: entry number or EMPTY; its length a power of two, at most half full. */
  private index: Int32Array;
  private readonly side = new Map<string, number>();
  private readonly sideKeys = new Map<number, string>();
  /** Scratch for parsing a key. */
  private readonly probe = new Uint32Array(4);

  constructor(initialCapacity = 1024) {
    const capacity = Math.max(16, 2 ** Math.ceil(Math.log2(initialCapacity)));
    this.words = new Uint32Array(capacity * 4);
    this.values = new Float64Array(capacity).fill(Number.NaN);
    this.tags = new Uint8Array(capacity);
    this.index = new Int32Array(capacity * 2).fill(EMPTY);
  }

  /** The entry of `key`, or -1. */
  find(key: string): number {
    if (!this.parse(key)) return this.side.get(key) ?? -1;
    return this.index[this.slotOf()]!;
  }

  /** The entry of `key`, added (value NaN, tag 0) when new. */
  add(key: string): number {
    if (!this.parse(key)) {
      const found = this.side.get(key);
      if (found !== undefined) return found;
      const entry = this.append();
      this.tags[entry] = SIDE;
      this.side.set(key, entry);
      this.sideKeys.set(entry, key);
      return entry;
    }
    const slot = this.slotOf();
    const found = this.index[slot]!;
    if (found !== EMPTY) return found;
    const entry = this.append();
    this.words.set(this.probe, entry * 4);
    if ((this.size - this.side.size) * 2 > this.index.length) {
      this.rehash(this.index.length * 2);
    } else {
      this.index[slot] = entry;
    }
    return entry;
  }

  value(entry: number): number {
    return this.values[entry]!;
  }

  setValue(entry: number, value: number): void {
    this.values[entry] = value;
  }

  /** The caller's bits of the entry's tag (0..127). */
  tag(entry: number): number {
    return this.tags[entry]! & TAG_BITS;
  }

  setTag(entry: number, tag: number): void {
    this.tags[entry] = (this.tags[entry]! & SIDE) | (tag & TAG_BITS);
  }

  /** The key of an entry, as it was added. */
  keyAt(entry: number): string {
    if (this.tags[entry]! & SIDE) return this.sideKeys.get(entry)!;
    const w = this.words;
    let out = '';
    for (let i = 0; i < 4; i++) out += w[entry * 4 + i]!.toString(16).padStart(8, '0');
    return out;
  }

  /** Fills `probe` from a hex key; false when the key is not 32 lowercase hex characters. */
  private parse(key: string): boolean {
    if (key.length !== 32 || !HEX128.test(key)) return false;
    for (let i = 0; i < 4; i++) this.probe[i] = Number.parseInt(key.slice(i * 8, i * 8 + 8), 16);
    return true;
  }

  /** The index slot that holds the probed key, or the empty slot where it would go. */
  private slotOf(): number {
    const [a, b, c, d] = this.probe as unknown as [number, number, number, number];
    return this.lookup(a, b, c, d, this.index);
  }

  private lookup(a: number, b: number, c: number, d: number, index: Int32Array): number {
    const mask = index.length - 1;
    const w = this.words;
    let slot = (Math.imul(a ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(c, 0xc2b2ae35) ^ d, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      const entry = index[slot]!;
      if (entry === EMPTY) return slot;
      const at = entry * 4;
      if (w[at] === a && w[at + 1] === b && w[at + 2] === c && w[at + 3] === d) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private append(): number {
    const entry = this.size;
    if (entry === this.tags.length) {
      const capacity = this.tags.length * 2;
      const words = new Uint32Array(capacity * 4);
      words.set(this.words);
      this.words = words;
      const values = new Float64Array(capacity).fill(Number.NaN);
      values.set(this.values);
      this.values = values;
      const tags = new Uint8Array(capacity);
      tags.set(this.tags);
      this.tags = tags;
    }
    this.size += 1;
    return entry;
  }

  private rehash(length: number): void {
    const index = new Int32Array(length).fill(EMPTY);
    const w = this.words;
    for (let entry = 0; entry < this.size; entry++) {
      if (this.tags[entry]! & SIDE) continue;
      const at = entry * 4;
      index[this.lookup(w[at]!, w[at + 1]!, w[at + 2]!, w[at + 3]!, index)] = entry;
    }
    this.index = index;
  }
}
