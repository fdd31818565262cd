import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_KINDS } from '../../../lib/domain/records';
import { PROVENANCE_VIEW_COLUMNS, QUERY_VIEWS, QUERY_VIEW_NAMES, dataDictionaryMarkdown, glueTypeOf, queryView, viewDictionaryMarkdown, viewOfKind } from '../../../lib/domain/query-views';
import { PROVENANCE_COLUMNS, fieldsOfKind } from '../../../lib/jobs/export';
import { columnsOf } from '../../../lib/jobs/export/columns';

describe('query views', () => {
  it('has one view per kind whose columns are exactly the export columns, same names, order and types', () => {
    for (const kind of RECORD_KINDS) {
      const view = viewOfKind(kind);
      expect(view.columns.map((c) => [c.name, c.type])).toEqual(columnsOf(kind, fieldsOfKind(kind)).map((c) => [c.name, c.type]));
    }
  });

  it('reads records from the provenance columns of the exports', () => {
    expect(PROVENANCE_VIEW_COLUMNS.map((c) => [c.name, c.type])).toEqual(PROVENANCE_COLUMNS.map((c) => [c.name, c.type]));
    const provenance = new Map(PROVENANCE_COLUMNS.map((c) => [c.name, c.type]));
    for (const col of queryView('records').columns.filter((c) => c.from !== undefined)) expect(provenance.get(col.from!)).toBe(col.type);
  });

  it('names every view once, with a meaning and a personal-data flag on every column', () => {
    expect(QUERY_VIEWS.map((v) => v.name)).toEqual([...QUERY_VIEW_NAMES]);
    for (const view of QUERY_VIEWS) {
      expect(new Set(view.columns.map((c) => c.name)).size).toBe(view.columns.length);
      for (const col of view.columns) expect(col.meaning.length).toBeGreaterThan(3);
    }
    expect(queryView('videos').columns.find((c) => c.name === 'username')?.personal).toBe(true);
    expect(queryView('videos').columns.find((c) => c.name === 'view_count')?.personal).toBe(false);
    expect(queryView('purges').columns.some((c) => c.personal)).toBe(false);
  });

  it('maps column types to Glue types Athena reads the Parquet files with', () => {
    expect(queryView('videos').columns.filter((c) => ['id', 'hashtag_names', 'effect_ids', 'is_stem_verified'].includes(c.name)).map((c) => glueTypeOf(c.type))).toEqual([
      'bigint',
      'array<bigint>',
      'array<string>',
      'boolean',
    ]);
  });

  it('refuses an unknown view, naming the views', () => {
    expect(() => queryView('video')).toThrow(/views: videos, comments, users, ads, records, purges/);
  });

  it('describes a view as a table row per column', () => {
    const text = viewDictionaryMarkdown(queryView('comments'));
    expect(text).toContain('| text | VARCHAR | yes |');
    expect(text).toContain('| like_count | BIGINT | no |');
  });

  it('docs/data-dictionary.md is fresh (npm run dictionary rewrites it)', () => {
    expect(readFileSync(join(__dirname, '../../../docs/data-dictionary.md'), 'utf8')).toBe(dataDictionaryMarkdown());
  });
});
