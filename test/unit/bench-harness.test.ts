/** The bench plumbing: target checks, the Markdown table, medians and the results files. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { markdownTable, median, meetsTarget, writeResults, type BenchResult } from '../../bench/harness';

const lower: BenchResult = { name: 'ingest_vs_storage_floor', value: 1.5, unit: 'x floor', target: 1.5, better: 'lower' };
const higher: BenchResult = { name: 'records_per_api_request', value: 99.14655, unit: 'records/request', target: 95, better: 'higher' };

describe('meetsTarget', () => {
  it('accepts a value equal to the target either way', () => {
    expect(meetsTarget(lower)).toBe(true);
    expect(meetsTarget({ ...higher, value: 95 })).toBe(true);
  });

  it('compares in the direction of `better`', () => {
    expect(meetsTarget({ ...lower, value: 1.51 })).toBe(false);
    expect(meetsTarget({ ...lower, value: 0.2 })).toBe(true);
    expect(meetsTarget({ ...higher, value: 94.9 })).toBe(false);
    expect(meetsTarget(higher)).toBe(true);
  });
});

describe('markdownTable', () => {
  it('renders a header and one row per figure, with direction, formatting and a bold miss', () => {
    const table = markdownTable([higher, { ...lower, value: 2.051 }, { name: 'lambda_bundle_max_bytes', value: 740123, unit: 'B', target: 1_000_000, better: 'lower' }]);
    expect(table.split('\n')).toEqual([
      '| name | value | target | met |',
      '| --- | --- | --- | --- |',
      '| `records_per_api_request` | 99.15 records/request | >= 95 | yes |',
      '| `ingest_vs_storage_floor` | 2.051 x floor | <= 1.500 | **no** |',
      '| `lambda_bundle_max_bytes` | 740,123 B | <= 1,000,000 | yes |',
    ]);
  });

  it('renders only the header for no results', () => {
    expect(markdownTable([])).toBe('| name | value | target | met |\n| --- | --- | --- | --- |');
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('writeResults', () => {
  it('writes the figures as JSON and the table as Markdown', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bench-results-'));
    try {
      const { json, md } = writeResults(dir, [higher, lower]);
      expect(JSON.parse(readFileSync(json, 'utf8'))).toEqual([higher, lower]);
      const text = readFileSync(md, 'utf8');
      expect(text).toContain('# Benchmark results');
      expect(text).toContain(markdownTable([higher, lower]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
