/**
 * `steward purge holds | release HOLD | dismiss HOLD`: what the purge fuse held instead of purging, and the PI's
 * decision on it (lib/jobs/holds.ts).
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { HoldIdSchema } from '../../lib/domain/purge-fuse';
import { BadInputError } from '../../lib/domain/errors';
import { dismissHold, listHolds, releaseHold, type HoldDecisionReport, type HoldList } from '../../lib/jobs/holds';
import { action } from './action';
import { answerSchema } from './deployed';
import { actingMember, namedActor, onTarget } from './runtime';
import type { CliIo } from './output';

const HoldListAnswerSchema = answerSchema<HoldList>({ holds: z.array(z.looseObject({ id: z.string() })), open: z.number(), overdue: z.number() });
const DecisionAnswerSchema = answerSchema<HoldDecisionReport>({ hold: z.string(), decision: z.enum(['release', 'dismiss']), status: z.string() });

export function holdsText(list: HoldList): string {
  if (list.holds.length === 0) return 'purge holds: none (the purge fuse has not tripped)';
  const lines = [`purge holds: ${list.open} open${list.overdue ? `, ${list.overdue} past their decision deadline (a compliance violation)` : ''}`];
  for (const h of list.holds) {
    const due = h.status === 'open' ? (h.decisionDueAt ? `, decide by ${h.decisionDueAt}${h.overdue ? ' (OVERDUE)' : ''}` : ', holds no record yet') : `, ${h.status} by ${h.closedBy ?? '?'} at ${h.closedAt ?? '?'}`;
    lines.push(`  ${h.id}  ${h.status}  source ${h.source}  ${h.records} record(s)  opened ${h.openedAt}  reason ${h.reason}${due}`);
    lines.push(`    evidence ${Object.entries(h.evidence).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (list.open > 0) lines.push('  decide: steward purge release HOLD (re-check, purge what is still gone) | steward purge dismiss HOLD (keep, look again)');
  return lines.join('\n');
}

export function decisionText(r: HoldDecisionReport): string {
  const verb = r.decision === 'release' ? 'released' : 'dismissed';
  const head = `hold ${r.hold} ${r.status === 'open' ? `${verb} in part: still open` : verb} (run ${r.runId}): ${r.records} record(s)`;
  const body =
    r.decision === 'release'
      ? `  purged ${r.purged} still unavailable (${r.cascaded} with them), kept ${r.kept} served again${r.failed ? `, ${r.failed} could not be re-checked (still held: release again)` : ''}`
      : `  ${r.kept} record(s) active again, due for a fresh look`;
  return [head, body].join('\n');
}

function holdArg(value: string): string {
  const parsed = HoldIdSchema.safeParse(value);
  if (!parsed.success) throw new BadInputError(`HOLD "${value}" ${parsed.error.issues[0]?.message ?? 'is not a hold id'}`);
  return parsed.data;
}

/** Adds `holds`, `release` and `dismiss` under the `purge` command. */
export function registerHoldCommands(purgeCommand: Command, io: CliIo, setExit: (code: number) => void): void {
  purgeCommand
    .command('holds')
    .description('list what the purge fuse held instead of purging (id, source, records, openedAt, reason, evidence)')
    .action(
      action(io, setExit, async (_raw: unknown, context) => {
        const present = (list: HoldList) => ({ exitCode: 0, json: list, text: holdsText(list) });
        return onTarget(context, {
          local: async (runtime) => present(await listHolds(runtime.ctx)),
          // Through the member's alias of the purge function when a member is named (a PI's role may invoke only that).
          deployed: async (stack, config) => {
            const as = namedActor(context.globals) === undefined ? undefined : actingMember(context.globals, config, 'read').name;
            return present(await stack.invoke('purge', { holds: { action: 'list' } }, HoldListAnswerSchema, as === undefined ? {} : { as }));
          },
        });
      }),
    );
  for (const decision of ['release', 'dismiss'] as const) {
    purgeCommand
      .command(`${decision} <hold>`)
      .description(
        decision === 'release'
          ? 'the PI accepts a hold: re-check each held record, purge what is still gone, keep what the platform serves again'
          : 'the PI rejects a hold (an outage, a wrong key): its records return to active, due for a fresh look',
      )
      .action((hold: string, _options: unknown, command: Command) =>
        action(io, setExit, async (_raw: unknown, context) => {
          const id = holdArg(hold);
          const present = (report: HoldDecisionReport) => ({ exitCode: 0, json: report, text: decisionText(report) });
          return onTarget(context, {
            local: async (runtime) =>
              present(
                decision === 'release'
                  ? await releaseHold(runtime.ctx, id, { clients: { research: runtime.research, commercial: runtime.commercial } })
                  : await dismissHold(runtime.ctx, id),
              ),
            // A release looks records up: the refresh worker (API access, reads) runs it; a dismissal is the purger's.
            // Either through the PI's own alias (`member-<name>`): the function learns who decides from it.
            deployed: async (stack, config) => {
              const by = actingMember(context.globals, config, `purge.${decision}`).name;
              return present(
                decision === 'release'
                  ? await stack.invoke('refresh-shard', { holdRelease: id, by }, DecisionAnswerSchema, { as: by })
                  : await stack.invoke('purge', { holds: { action: 'dismiss', hold: id, by } }, DecisionAnswerSchema, { as: by }),
              );
            },
          }, { act: `purge.${decision}` });
        })(undefined, command),
      );
  }
}
