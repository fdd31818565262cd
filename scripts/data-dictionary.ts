/**
 * `npm run dictionary`: write docs/data-dictionary.md from the view definitions (lib/domain/query-views.ts).
 * `--check` only compares and exits 1 when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDictionaryMarkdown } from '../lib/domain/query-views';

const path = join(__dirname, '..', 'docs', 'data-dictionary.md');
const fresh = dataDictionaryMarkdown();
let current = '';
try {
  current = readFileSync(path, 'utf8');
} catch {
  // not written yet
}
if (process.argv.includes('--check')) {
  if (current !== fresh) {
    process.stderr.write('docs/data-dictionary.md is stale: run npm run dictionary\n');
    process.exitCode = 1;
  }
} else if (current !== fresh) {
  writeFileSync(path, fresh);
  process.stderr.write('wrote docs/data-dictionary.md\n');
}
