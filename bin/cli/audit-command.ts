/**
 * `steward audit --record PLATFORM:KIND:ID | --action ACTION --since ISO [--until ISO] | --researcher NAME | --run ID`:
 * a readable table on a terminal, one JSON document with `--json`, pages of `--limit` events with `--cursor`.
 */
import type { Command } from 'commander';
import type { ChainedAuditEvent } from '../../lib/domain/audit';
import { auditQueryOf, type AuditOptions, AuditOptionsSchema, queryAudit, type AuditQueryResult } from '../../lib/jobs/audit-query';
import { action } from './action';
import { cliPrefix, parseOptions } from './options';
import type { CliIo } from './output';
import * as z from 'zod';
import { answerSchema } from './deployed';
import { onTarget } from './runtime';

function evidenceText(event: ChainedAuditEvent): string {
  const parts = [
    ...Object.entries(event.evidence ?? {}).map(([k, v]) => `${k}=${String(v)}`),
    ...Object.entries(event.counts ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  const text = parts.join(' ');
  return text.length > 72 ? `${text.slice(0, 71)}…` : text;
}

/** A fixed-width table: one line per event, columns sized to their content. */
export function auditTable(events: readonly ChainedAuditEvent[]): string {
  const header = ['TIME (UTC)', 'ACTION', 'ACTOR', 'RUN / SEQ', 'KIND', 'RECORD', 'REASON', 'EVIDENCE'];
  const rows = events.map((e) => [
    e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    e.action,
    `${e.actor.type === 'researcher' ? '' : '@'}${e.actor.name}`,
    `${e.chainId} #${e.seq}`,
    e.kind ?? '',
    e.recordHash ? `${e.recordHash.slice(0, 12)}…` : '',
    e.reason ?? '',
    evidenceText(e),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The same question, for the next page: with the time range as this page resolved it, so the pages agree. */
function nextPageCommand(result: AuditQueryResult, options: AuditOptions, cursor: string, prefix: string): string {
  const args: string[] = [prefix, 'audit'];
  const resolved = { ...options, since: result.query.since ?? options.since, until: result.query.until ?? options.until };
  for (const name of ['record', 'action', 'researcher', 'run', 'since', 'until'] as const) {
    if (resolved[name] !== undefined) args.push(`--${name}`, String(resolved[name]));
  }
  args.push('--limit', String(options.limit), '--cursor', cursor);
  return args.join(' ');
}

const AuditAnswerSchema = answerSchema<AuditQueryResult>({
  query: z.looseObject({ by: z.string(), value: z.string() }),
  events: z.array(z.looseObject({ action: z.string(), at: z.string(), chainId: z.string(), seq: z.number() })),
  cursor: z.string().optional(),
});

/** The answer as a table; `prefix` is how the user runs steward (the next page's command starts with it). */
export function auditText(result: AuditQueryResult, options: AuditOptions, prefix = 'npx steward'): string {
  const q = result.query;
  const what =
    q.by === 'record'
      ? `history of ${q.value} (record hash ${q.recordHash})`
      : q.by === 'action'
        ? `${q.value} events from ${q.since} to ${q.until}`
        : q.by === 'researcher'
          ? `everything researcher ${q.value} did`
          : `everything run ${q.value} did`;
  const lines = [`${what}: ${result.events.length} event(s)${result.cursor ? ' on this page' : ''}`];
  if (result.events.length > 0) lines.push('', auditTable(result.events));
  if (result.cursor) lines.push('', `more: ${nextPageCommand(result, options, result.cursor, prefix)}`);
  return lines.join('\n');
}

export function registerAuditCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('audit')
    .description('query the audit log: one record’s history, one kind of event in a time range, one researcher, one run')
    .option('--record <key>', 'PLATFORM:KIND:ID, e.g. tiktok:video:7320768196569599275 (hashed with the project secret)')
    .option('--action <action>', 'an event kind, e.g. record.purged (with --since and --until)')
    .option('--researcher <name>', 'everything this researcher did')
    .option('--run <id>', 'everything this run did, in order')
    .option('--since <iso>', 'from this time (ISO 8601 or YYYY-MM-DD)')
    .option('--until <iso>', 'up to this time (default: now, with --action)')
    .option('--limit <n>', 'events per page (1-1000)', '50')
    .option('--cursor <cursor>', 'the next page: the cursor printed by the previous one')
    .action(
      action(io, setExit, async (raw: unknown, context) => {
        // Validated before the runtime opens: bad input writes nothing.
        const options = parseOptions(AuditOptionsSchema, raw);
        const { spec, page } = auditQueryOf(options);
        const present = (result: AuditQueryResult) => ({ exitCode: 0, json: result, text: auditText(result, options, cliPrefix(context.globals)) });
        return onTarget(context, {
          local: async (runtime) => present(await queryAudit(runtime.ctx, spec, page)),
          // The audit-query function takes these very options (and hashes a record key with the project secret).
          deployed: async (stack) => present(await stack.invoke('audit-query', { ...options }, AuditAnswerSchema)),
        });
      }),
    );
}
