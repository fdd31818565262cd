import { releasing } from '../../lib/domain/release';

describe('releasing', () => {
  it('hands out every item in order, emptying each slot as it goes and the array at the end', () => {
    const page = [{ n: 1 }, { n: 2 }, { n: 3 }];
    const seen: Array<{ n: number }> = [];
    const slots: unknown[][] = [];
    for (const item of releasing(page)) {
      seen.push(item);
      slots.push([...page]);
    }
    expect(seen.map((i) => i.n)).toEqual([1, 2, 3]);
    // while item k is worked on, slots 0..k are empty and the rest still hold their items
    expect(slots[0]).toEqual([undefined, { n: 2 }, { n: 3 }]);
    expect(slots[2]).toEqual([undefined, undefined, undefined]);
    expect(page).toHaveLength(0);
  });

  it('empties the array when the caller stops early', () => {
    const page = ['a', 'b', 'c'];
    for (const item of releasing(page)) if (item === 'a') break;
    expect(page).toHaveLength(0);
  });

  it('works through a page inside an async generator (yield*)', async () => {
    const page = [1, 2];
    async function* pages() {
      yield* releasing(page);
    }
    const out: number[] = [];
    for await (const n of pages()) out.push(n);
    expect(out).toEqual([1, 2]);
    expect(page).toHaveLength(0);
  });
});
