import { hmacHasher } from '../../../lib/domain/hashing';
import { checkReadOnlySql, sqlDigest, sqlTokens } from '../../../lib/domain/query-guard';

const refused = (sql: string) => {
  const check = checkReadOnlySql(sql);
  if (check.ok) throw new Error(`expected ${sql} to be refused`);
  return check.reason;
};

describe('checkReadOnlySql', () => {
  it.each([
    'SELECT count(*) FROM videos',
    'select username, count(*) from videos group by 1 order by 2 desc;',
    "WITH v AS (SELECT * FROM videos) SELECT * FROM v WHERE video_description LIKE '%delete from%'",
    'FROM videos SELECT id',
    "SELECT 'it''s; DROP TABLE x' AS s",
    'SELECT "update" FROM videos -- COPY videos TO x;\n',
    "SELECT $$ ; INSERT $$ AS s /* ATTACH 'x' */",
    'VALUES (1), (2)',
  ])('lets a read-only query through: %s', (sql) => {
    expect(checkReadOnlySql(sql).ok).toBe(true);
  });

  it('strips trailing semicolons', () => {
    expect(checkReadOnlySql('SELECT 1 ;; ')).toEqual({ ok: true, sql: 'SELECT 1' });
  });

  it.each([
    ["COPY (SELECT * FROM videos) TO '/tmp/x.csv'", /start with SELECT/],
    ["SELECT 1; COPY videos TO 'x'", /one statement/],
    ["EXPORT DATABASE '/tmp/x'", /start with SELECT/],
    ["ATTACH '/tmp/x.db'", /start with SELECT/],
    ['INSTALL httpfs', /start with SELECT/],
    ['LOAD httpfs', /start with SELECT/],
    ['SET enable_external_access = true', /start with SELECT/],
    ['PRAGMA database_list', /start with SELECT/],
    ['CREATE TABLE t AS SELECT 1', /start with SELECT/],
    ['WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x', /INSERT is refused/],
    ['SELECT * FROM videos WHERE id IN (DELETE FROM videos RETURNING id)', /DELETE is refused/],
    ["SELECT * FROM read_text('.steward/state.json')", /read_text\(\) reads files/],
    ["SELECT * FROM READ_CSV ('x.csv')", /read_csv\(\) reads files/],
    ["SELECT * FROM glob('/*')", /glob\(\)/],
    ["SELECT * FROM query('SELECT 1')", /query\(\)/],
    ["SELECT * FROM '/etc/passwd'", /file path is not a table/],
    ["SELECT * FROM videos JOIN 'x.parquet' USING (id)", /file path is not a table/],
    ['', /no SQL given/],
    ['  ;  ', /no SQL given/],
    ["SELECT 'unterminated", /does not parse/],
  ])('refuses %s', (sql, reason) => {
    expect(refused(sql)).toMatch(reason);
  });

  it('does not take words inside literals, quoted identifiers or comments for keywords', () => {
    expect(sqlTokens("SELECT 'COPY' AS \"DROP\" -- SET\n/* PRAGMA */ FROM videos").filter((t) => t.type === 'word').map((t) => t.text)).toEqual(['SELECT', 'AS', 'FROM', 'videos']);
  });
});

describe('sqlDigest', () => {
  it('is a keyed hash: stable per secret, different across secrets, never the SQL', () => {
    const a = hmacHasher('a'.repeat(32));
    const b = hmacHasher('b'.repeat(32));
    const sql = "SELECT * FROM videos WHERE username = 'some_user'";
    expect(sqlDigest(a, sql)).toBe(sqlDigest(a, `  ${sql}\n`));
    expect(sqlDigest(a, sql)).not.toBe(sqlDigest(b, sql));
    expect(sqlDigest(a, sql)).toMatch(/^[0-9a-f]{32}$/);
  });
});
