import { createHash } from 'node:crypto';
import { HashTable } from '../../lib/domain/hash-table';

const hex = (n: number) => createHash('sha256').update(String(n)).digest('hex').slice(0, 32);

describe('HashTable', () => {
  it('finds every key it was given, across growth, with its value and tag, and nothing else', () => {
    const table = new HashTable(16);
    const entries: number[] = [];
    for (let n = 0; n < 5000; n++) {
      const entry = table.add(hex(n));
      table.setValue(entry, n * 1.5);
      table.setTag(entry, n % 128);
      entries.push(entry);
    }
    expect(table.size).toBe(5000);
    const wrong: number[] = [];
    for (let n = 0; n < 5000; n++) {
      const entry = table.find(hex(n));
      if (entry !== entries[n] || table.value(entry) !== n * 1.5 || table.tag(entry) !== n % 128 || table.keyAt(entry) !== hex(n)) wrong.push(n);
    }
    expect(wrong).toEqual([]);
    expect(Array.from({ length: 100 }, (_, i) => table.find(hex(5000 + i))).filter((e) => e !== -1)).toEqual([]);
  });

  it('adds a key once: a second add returns the same entry and keeps its value', () => {
    const table = new HashTable();
    const a = table.add(hex(1));
    table.setValue(a, 7);
    expect(table.add(hex(1))).toBe(a);
    expect(table.value(a)).toBe(7);
    expect(table.value(table.add(hex(2)))).toBeNaN();
    expect(table.size).toBe(2);
  });

  it('keeps keys that are not 32 lowercase hex characters as they were given, apart from their hex look-alikes', () => {
    const table = new HashTable();
    const lower = hex(3);
    const odd = ['', 'record-1', lower.toUpperCase(), `${lower}0`, lower.slice(1), 'g'.repeat(32)];
    const entries = odd.map((key) => table.add(key));
    const hexEntry = table.add(lower);
    expect(new Set([...entries, hexEntry]).size).toBe(odd.length + 1);
    odd.forEach((key, i) => {
      expect(table.find(key)).toBe(entries[i]);
      expect(table.keyAt(entries[i]!)).toBe(key);
    });
    table.setTag(entries[0]!, 0x7f);
    expect(table.tag(entries[0]!)).toBe(0x7f);
    expect(table.keyAt(entries[0]!)).toBe('');
    expect(table.find(lower)).toBe(hexEntry);
  });

  it('tells apart keys that share their first words or collide in the index', () => {
    const table = new HashTable(16);
    const base = '00000000000000000000000000000000';
    const keys = Array.from({ length: 200 }, (_, i) => base.slice(0, 24) + i.toString(16).padStart(8, '0'));
    keys.forEach((k) => table.add(k));
    expect(table.size).toBe(200);
    keys.forEach((k, i) => expect(table.find(k)).toBe(i));
    expect(table.keyAt(199)).toBe(keys[199]);
  });
});
