import { hash32, permute32, Rng, unpermute32, WeightedPicker } from '../../../lib/emulator/random';
import { idPayload, makeId, toBigId } from '../../../lib/emulator/ids';

describe('emulator randomness', () => {
  it('permute32 is a bijection that unpermute32 inverts', () => {
    // Prepare
    const samples = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, ...Array.from({ length: 1_000 }, (_, i) => hash32(i))];
    // Act
    const roundTrips = samples.map((x) => unpermute32(permute32(x)));
    // Assess
    expect(roundTrips).toEqual(samples);
    expect(new Set(samples.map(permute32)).size).toBe(new Set(samples).size);
    expect(permute32(1)).not.toBe(1);
  });

  it('gives the same stream for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 20 }, () => rng.uint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('draws uniform numbers in [0, 1) and distinct sorted integers', () => {
    const rng = new Rng(7);
    const values = Array.from({ length: 10_000 }, () => rng.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((a, b) => a + b, 0) / values.length).toBeCloseTo(0.5, 1);
    const distinct = rng.distinct(50, 60);
    expect(new Set(distinct).size).toBe(50);
    expect([...distinct].sort((a, b) => a - b)).toEqual(distinct);
  });

  it('picks by weight', () => {
    const rng = new Rng(3);
    const picker = new WeightedPicker([1, 0, 9]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i += 1) counts[picker.pick(rng)]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / 10_000).toBeGreaterThan(0.85);
  });

  it('makes 19-digit ids that carry the creation second and the payload', () => {
    // Prepare
    const createTime = 1_772_366_400; // 2026-03-01T12:00:00Z
    // Act
    const id = makeId(createTime, 12_345, 0xdeadbeef);
    // Assess
    expect(id.toString()).toMatch(/^\d{19}$/);
    expect(id >> 32n).toBe(BigInt(createTime));
    expect(idPayload(id, 0xdeadbeef)).toBe(12_345);
    expect(makeId(createTime + 1, 0, 0xdeadbeef)).toBeGreaterThan(makeId(createTime, 4_000_000, 0xdeadbeef));
  });

  it('reads ids in every form a client sends and rejects the rest', () => {
    expect(toBigId('7320768196569599275')).toBe(7320768196569599275n);
    expect(toBigId(7320768196569599275n)).toBe(7320768196569599275n);
    expect(toBigId(12)).toBe(12n);
    expect(toBigId(7320768196569599275)).toBeUndefined(); // already rounded by a lossy parse
    expect(toBigId('12a')).toBeUndefined();
    expect(toBigId(-1n)).toBeUndefined();
  });
});
