/**
 * Renderings of the report's signing parts (pi.ts): the corpus timeline (a chart of the active records per
 * kind over the whole project, linear axis, and the per-day table behind it) and who did what per member.
 * Per-day tables sit in `div.perday`: scrolled on screen, printed in full (the report's print CSS).
 */
import { PURGE_REASONS, RECORD_KINDS } from '../../domain/records';
import { memberColumns, type MemberActivity, type TimelineDay } from './pi';
import { barChartSvg, escapeXml } from './svg';

const KIND_COLORS: Record<string, string> = { video: '#4e79a7', comment: '#59a14f', user: '#edc948', ad: '#b07aa1' };
const kindLabel: Record<string, string> = { video: 'videos', comment: 'comments', user: 'accounts', ad: 'ads' };
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

const TIMELINE_HEAD = ['day', ...RECORD_KINDS.map((k) => `active ${kindLabel[k]}`), 'collected', 'refreshed', ...PURGE_REASONS.map((r) => `purged: ${r}`)];
const timelineRow = (d: TimelineDay) => [d.day, ...RECORD_KINDS.map((k) => d.active[k]), sum(d.collected), sum(d.refreshed), ...PURGE_REASONS.map((r) => d.purgedByReason[r])];

export function timelineChart(days: readonly TimelineDay[]): string {
  return barChartSvg({
    id: 'timeline',
    title: 'The corpus over the whole project: active records at the end of each day, by kind',
    subtitle: `${days[0]?.day ?? '–'} to ${days[days.length - 1]?.day ?? '–'}; linear scale; collected, refreshed and purged per day in the table`,
    labels: days.map((d) => d.day),
    series: RECORD_KINDS.map((k) => ({ name: kindLabel[k]!, color: KIND_COLORS[k]!, values: days.map((d) => d.active[k]) })),
    empty: 'nothing collected yet',
  });
}

function mdTable(head: readonly (string | number)[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function timelineMarkdown(days: readonly TimelineDay[]): string {
  if (days.length === 0) return '## The corpus over the whole project\n\nNothing collected yet.\n';
  return ['## The corpus over the whole project', '', mdTable(TIMELINE_HEAD, days.map(timelineRow)), ''].join('\n');
}

export function membersMarkdown(rows: readonly MemberActivity[]): string {
  const out = ['## Who did what', ''];
  if (rows.length === 0) return [...out, 'No member acted in person yet (the schedules did everything).', ''].join('\n');
  const cols = memberColumns(rows);
  return [...out, mdTable(['member', ...cols], rows.map((r) => [r.member, ...cols.map((c) => r.actions[c] ?? 0)])), ''].join('\n');
}

function htmlTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cell = (tag: 'th' | 'td', c: string | number) => `<${tag}${typeof c === 'number' ? ' class="n"' : ''}>${escapeXml(String(c))}</${tag}>`;
  return `<table><thead><tr>${head.map((h) => cell('th', h)).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => cell('td', c)).join('')}</tr>`).join('\n')}</tbody></table>`;
}

export function timelineHtml(days: readonly TimelineDay[]): string {
  const out = ['<h2>The corpus over the whole project</h2>'];
  if (days.length === 0) return [...out, '<p>Nothing collected yet.</p>'].join('\n');
  out.push(timelineChart(days));
  out.push(`<div class="perday">${htmlTable(TIMELINE_HEAD, days.map(timelineRow))}</div>`);
  return out.join('\n');
}

export function membersHtml(rows: readonly MemberActivity[]): string {
  const out = ['<h2>Who did what</h2>'];
  if (rows.length === 0) return [...out, '<p>No member acted in person yet (the schedules did everything).</p>'].join('\n');
  const cols = memberColumns(rows);
  out.push(htmlTable(['member', ...cols], rows.map((r) => [r.member, ...cols.map((c) => r.actions[c] ?? 0)])));
  out.push('<p class="meta">Counts from the audit log: erasures filed, exports created, pulled and released, runs started by hand.</p>');
  return out.join('\n');
}
