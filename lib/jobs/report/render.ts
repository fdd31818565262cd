/**
 * Renderings of the compliance report: Markdown, and one self-contained HTML file with inline SVG charts (no
 * scripts, no external fonts, stylesheets or images, nothing fetched: it opens the same offline, in an archive or
 * attached to an e-mail). Charts:
 * - per source: API requests per day, used (quota book, past days) and needed by refresh deadlines (coming days),
 *   against the configured daily quota, on a linear axis over the whole project (a log axis made a few requests
 *   look close to a quota of thousands);
 * - purges per day, stacked by reason.
 */
import type { HoldView } from '../holds';
import { PURGE_REASONS, RECORD_KINDS, type PurgeReason } from '../../domain/records';
import type { ComplianceReport, SourceObligations, SpecRefresh } from './index';
import { attritionHtml, attritionMarkdown } from './attrition-render';
import { membersHtml, membersMarkdown, timelineHtml, timelineMarkdown } from './pi-render';
import { barChartSvg, escapeXml, fmt } from './svg';

export const REPORT_FORMATS = ['md', 'html', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function renderReport(report: ComplianceReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  return format === 'md' ? renderReportMarkdown(report) : renderReportHtml(report);
}

const SPEC_HEAD = ['spec', 'records', 'active', 'refreshes', 'on time', 'late', 'on time share', 'overdue', ...PURGE_REASONS.map((r) => `purged: ${r}`)];
const specRow = (s: SpecRefresh): Array<string | number> => [
  s.spec,
  s.records,
  s.active,
  s.refreshes,
  s.onTime,
  s.late,
  s.onTimeShare === null ? '–' : `${(s.onTimeShare * 100).toFixed(1)} %`,
  s.overdue,
  ...PURGE_REASONS.map((r) => s.purgedByReason[r]),
];
const SPEC_NOTE =
  'Per collection spec, over the report period (the whole project): records the ledger holds (active and purged), refreshes and how many met their deadline, active records with an obligation past due, and purges by reason.';

/** A time to the second, without the zone letter (the header says UTC): short enough not to wrap in a table. */
const utcTime = (iso: string) => iso.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
/** Whole hours late; a refresh late by minutes is "< 1", not 0 (which reads as on time). */
const hoursLate = (h: number): string | number => (h < 1 ? '< 1' : h);

const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(1)} %`);
const kindLabel: Record<string, string> = { video: 'videos', comment: 'comments', user: 'accounts', ad: 'ads' };

// ------------------------------------------------------------------------------------------------ Markdown

function mdTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const line = (cells: ReadonlyArray<string | number>) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderReportMarkdown(r: ComplianceReport): string {
  const out: string[] = [];
  out.push(`# Compliance report: ${r.project.title}`);
  out.push('');
  out.push(`Project \`${r.project.id}\`, ends ${r.project.endDate}. Generated ${r.generatedAt}.`);
  out.push(r.auditHead ? `Audit log seal head: #${r.auditHead.seq} \`${r.auditHead.hash}\` (keep this report: it pins the log).` : 'Audit log: no seals yet.');
  out.push('');
  if (r.badge) out.push(`**Status: ${r.badge.text}**`);
  else out.push(r.ok ? '**Status: compliant** — nothing is overdue.' : `**Status: NOT compliant** — ${r.overdue.count} overdue obligation(s).`);
  out.push('', '## Records by status', '');
  out.push(
    mdTable(
      ['status', ...RECORD_KINDS.map((k) => kindLabel[k]!), 'total'],
      [
        ['active', ...RECORD_KINDS.map((k) => r.records.activeByKind[k]), r.records.active],
        ['purged (tombstone)', ...RECORD_KINDS.map((k) => r.records.tombstonedByKind[k]), r.records.tombstoned],
      ],
    ),
  );
  out.push('', `Purges begun and not yet finished: ${r.records.pendingPurge}.`);
  out.push('', '## Refreshes', '');
  out.push(
    mdTable(
      ['', 'on time', 'late', 'total'],
      [
        ...RECORD_KINDS.map((k) => [kindLabel[k]!, r.refreshes.byKind[k].onTime, r.refreshes.byKind[k].late, r.refreshes.byKind[k].onTime + r.refreshes.byKind[k].late]),
        ['**all**', `${r.refreshes.onTime} (${pct(r.refreshes.onTime, r.refreshes.onTime + r.refreshes.late)})`, r.refreshes.late, r.refreshes.onTime + r.refreshes.late],
      ],
    ),
  );
  if (r.refreshes.unknown > 0) out.push('', `${r.refreshes.unknown} refresh(es) of records with no collection in the log were not classified.`);
  if (r.refreshes.lateItems.length > 0) {
    out.push('', 'Late refreshes (latest first):', '');
    out.push(mdTable(['record hash', 'kind', 'refreshed (UTC)', 'deadline (UTC)', 'hours late', 'event'], [...r.refreshes.lateItems].reverse().map((l) => [`\`${l.recordHash}\``, l.kind, utcTime(l.at), utcTime(l.deadline), hoursLate(l.hoursLate), l.event])));
  }
  out.push('', '## Purges', '');
  out.push(mdTable(['reason', 'records'], [...PURGE_REASONS.map((reason) => [reason, r.purges.byReason[reason]]), ['**total**', r.purges.total]]));
  if (r.purges.perDay.length > 0) {
    out.push('', 'Per day:', '');
    out.push(mdTable(['day', ...PURGE_REASONS, 'total'], r.purges.perDay.map((d) => [d.day, ...PURGE_REASONS.map((reason) => d.byReason[reason]), d.total])));
  }
  if (r.timeline) out.push('', timelineMarkdown(r.timeline));
  if (r.specs) out.push('', '## Refreshes and purges per spec', '', SPEC_NOTE, '', mdTable(SPEC_HEAD, r.specs.map(specRow)));
  if (r.attrition) out.push('', attritionMarkdown(r.attrition));
  out.push('', `## Obligations per day against the quota (next ${r.obligations.horizonDays} days)`);
  for (const s of r.obligations.sources) {
    out.push('', `### Source \`${s.source}\` (${s.api}, ${s.dailyRequests} requests/day)`, '');
    out.push(
      `Active: ${RECORD_KINDS.map((k) => `${s.active[k]} ${kindLabel[k]}`).join(', ')}. Overdue refreshes: ${s.overdueRecords}. ` +
        `Days whose refreshes need more than the quota: ${s.daysOverQuota}.`,
    );
    out.push('');
    out.push(
      mdTable(
        ['day', ...RECORD_KINDS.map((k) => `${kindLabel[k]} due`), 'requests needed', 'quota', 'expiring'],
        s.days.map((d) => [d.day, ...RECORD_KINDS.map((k) => d.due[k]), d.requests, s.dailyRequests, d.expiring]),
      ),
    );
    const used = s.history.filter((h) => h.usedRequests > 0);
    if (used.length > 0) out.push('', `Requests used on past days: ${used.map((h) => `${h.day}: ${h.usedRequests}`).join(', ')}.`);
  }
  out.push('', '## Overdue', '');
  if (r.overdue.count === 0) out.push('Nothing is overdue.');
  else {
    out.push(`${r.overdue.count} overdue obligation(s): ${r.overdue.byObligation.refresh} refresh, ${r.overdue.byObligation.expiry} expiry, ${r.overdue.byObligation.purge} purge.`);
    out.push('');
    out.push(mdTable(['record hash', 'kind', 'obligation', 'due', 'hours overdue'], r.overdue.items.map((o) => [`\`${o.recordHash}\``, o.kind, o.obligation, o.dueAt, o.hoursOverdue])));
    if (r.overdue.truncated) out.push('', `(first ${r.overdue.items.length} listed)`);
  }
  if (r.holds && r.holds.length > 0) {
    out.push('', '## Purge holds waiting for the PI', '');
    for (const h of r.holds) out.push(`- ${holdText(h)}`);
  }
  if (r.pulledCopies && r.pulledCopies.stale.length > 0) {
    out.push('', '## Pulled export copies holding purged records', '');
    out.push(`${r.pulledCopies.stale.length} copy(ies) to replace, ${r.pulledCopies.overdue} overdue:`, '');
    for (const line of r.pulledCopies.stale) out.push(`- ${line}`);
  }
  if (r.members) out.push('', membersMarkdown(r.members));
  out.push('', '## Policies', '');
  out.push(mdTable(['policy', 'version', 'refresh within', 'purge within', 'source'], r.policies.map((p) => [p.id, p.version, `${p.refreshWithinDays} days`, `${p.purgeWithinHours} h`, p.source])));
  out.push('', 'Records appear only as keyed hashes (HMAC with the project secret); this report holds no content.', '');
  return out.join('\n');
}

// ------------------------------------------------------------------------------------------------ SVG charts

export function quotaChart(s: SourceObligations, index: number): string {
  const labels = [...s.history.map((h) => h.day), ...s.days.slice(1).map((d) => d.day)];
  const past = s.history.length;
  // Today appears once: its used requests and what is still due today.
  const used = [...s.history.map((h) => h.usedRequests), ...s.days.slice(1).map(() => 0)];
  const needed = [...s.history.map((_, i) => (i === past - 1 ? (s.days[0]?.requests ?? 0) : 0)), ...s.days.slice(1).map((d) => d.requests)];
  return barChartSvg({
    id: `quota-${index}`,
    title: `Source ${s.source}: API requests per day against the quota`,
    subtitle: `used (past days, the whole project) and needed by refresh deadlines (coming days); linear scale; quota ${s.dailyRequests}/day`,
    labels,
    series: [
      { name: 'requests used', color: '#5b8def', values: used },
      { name: 'requests needed', color: '#f28e2b', values: needed },
    ],
    line: { value: s.dailyRequests, label: `quota ${fmt(s.dailyRequests)}`, color: '#c0392b' },
    marker: { index: past - 1, label: 'today' },
    empty: 'no requests used or due in this period',
  });
}

const REASON_COLORS: Record<PurgeReason, string> = { unavailable: '#e15759', expired: '#9c755f', erasure: '#af7aa1', cascade: '#76b7b2' };

export function purgeChart(r: ComplianceReport): string {
  const today = r.generatedAt.slice(0, 10);
  const first = r.purges.perDay[0]?.day;
  const start = first && first < today ? first : new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const days: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00Z`); t <= Date.parse(`${today}T00:00:00Z`) && days.length < 400; t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  const byDay = new Map(r.purges.perDay.map((d) => [d.day, d.byReason]));
  return barChartSvg({
    id: 'purges',
    title: 'Purges per day, by reason',
    subtitle: `${r.purges.total} record(s) purged in all`,
    labels: days,
    series: PURGE_REASONS.map((reason) => ({ name: reason, color: REASON_COLORS[reason], values: days.map((d) => byDay.get(d)?.[reason] ?? 0) })),
    empty: 'no purges yet',
  });
}

// ------------------------------------------------------------------------------------------------ HTML

function htmlTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>, className = ''): string {
  const cell = (tag: 'th' | 'td', c: string | number) => `<${tag}${typeof c === 'number' ? ' class="n"' : ''}>${escapeXml(String(c))}</${tag}>`;
  return [
    `<table${className ? ` class="${className}"` : ''}>`,
    `<thead><tr>${header.map((h) => cell('th', h)).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => cell('td', c)).join('')}</tr>`).join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

const STYLE = `
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; } h3 { margin-top: 1.5rem; }
.meta { color: #555; font-size: .9rem; } code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
.status { display: inline-block; padding: .4rem .8rem; border-radius: 4px; font-weight: 600; margin: 1rem 0; }
.ok { background: #e6f4ea; color: #1e7b34; } .bad { background: #fdecea; color: #b3261e; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; } th, td { border: 1px solid #ddd; padding: .25rem .6rem; text-align: left; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
thead th { background: #f5f5f5; } .chart { display: block; margin: 1rem 0; max-width: 100%; height: auto; border: 1px solid #eee; }
.chart .ct { font-size: 14px; font-weight: 600; fill: #222; } .chart .cs { font-size: 11px; fill: #666; } .chart .ax { font-size: 10px; fill: #555; }
details { margin: .5rem 0; }
.perday { max-height: 24rem; overflow: auto; border: 1px solid #eee; margin: .5rem 0; } .perday td:first-child { white-space: nowrap; }
table.late td:not(:last-child), table.specs td { white-space: nowrap; } table.late td:nth-child(5) { text-align: right; }
@media print { body { margin: 0; max-width: none; } .perday { max-height: none; overflow: visible; border: 0; } .chart { break-inside: avoid; } h2, h3 { break-after: avoid; } thead { display: table-header-group; } }
`;

export function renderReportHtml(r: ComplianceReport): string {
  const b: string[] = [];
  b.push('<!doctype html>', '<html lang="en">', '<head>', '<meta charset="utf-8">');
  b.push(`<title>${escapeXml(`Compliance report: ${r.project.title} (${r.generatedAt.slice(0, 10)})`)}</title>`);
  b.push(`<style>${STYLE}</style>`, '</head>', '<body>');
  b.push(`<h1>Compliance report: ${escapeXml(r.project.title)}</h1>`);
  b.push(`<p class="meta">Project <code>${escapeXml(r.project.id)}</code>, ends ${escapeXml(r.project.endDate)}. Generated ${escapeXml(r.generatedAt)}.<br>`);
  b.push(r.auditHead ? `Audit log seal head #${r.auditHead.seq} <code>${r.auditHead.hash}</code>: keep this report, it pins the log.</p>` : 'Audit log: no seals yet.</p>');
  if (r.badge) b.push(`<p class="status ${r.badge.compliant ? 'ok' : 'bad'}">${escapeXml(r.badge.text)}</p>`);
  else b.push(r.ok ? '<p class="status ok">Compliant: nothing is overdue.</p>' : `<p class="status bad">Not compliant: ${r.overdue.count} overdue obligation(s).</p>`);

  b.push('<h2>Records by status</h2>');
  b.push(
    htmlTable(
      ['status', ...RECORD_KINDS.map((k) => kindLabel[k]!), 'total'],
      [
        ['active', ...RECORD_KINDS.map((k) => r.records.activeByKind[k]), r.records.active],
        ['purged (tombstone)', ...RECORD_KINDS.map((k) => r.records.tombstonedByKind[k]), r.records.tombstoned],
      ],
    ),
  );
  b.push(`<p>Purges begun and not yet finished: ${r.records.pendingPurge}.</p>`);

  b.push('<h2>Refreshes</h2>');
  b.push(
    htmlTable(
      ['', 'on time', 'late', 'total'],
      [
        ...RECORD_KINDS.map((k) => [kindLabel[k]!, r.refreshes.byKind[k].onTime, r.refreshes.byKind[k].late, r.refreshes.byKind[k].onTime + r.refreshes.byKind[k].late]),
        ['all', r.refreshes.onTime, r.refreshes.late, r.refreshes.onTime + r.refreshes.late],
      ],
    ),
  );
  b.push(`<p>On time: ${pct(r.refreshes.onTime, r.refreshes.onTime + r.refreshes.late)}.${r.refreshes.unknown ? ` ${r.refreshes.unknown} refresh(es) not classified (no collection in the log).` : ''}</p>`);
  if (r.refreshes.lateItems.length > 0) {
    b.push('<h3>Late refreshes</h3><div class="perday">');
    b.push(htmlTable(['record hash', 'kind', 'refreshed (UTC)', 'deadline (UTC)', 'hours late', 'event'], [...r.refreshes.lateItems].reverse().map((l) => [l.recordHash, l.kind, utcTime(l.at), utcTime(l.deadline), hoursLate(l.hoursLate), l.event]), 'late'));
    b.push('</div>');
  }

  b.push('<h2>Purges</h2>');
  b.push(purgeChart(r));
  b.push(htmlTable(['reason', 'records'], [...PURGE_REASONS.map((reason) => [reason, r.purges.byReason[reason]] as [string, number]), ['total', r.purges.total]]));

  if (r.timeline) b.push(timelineHtml(r.timeline));
  if (r.specs) b.push('<h2>Refreshes and purges per spec</h2>', `<p>${escapeXml(SPEC_NOTE)}</p>`, htmlTable(SPEC_HEAD, r.specs.map(specRow), 'specs'));
  if (r.attrition) b.push(attritionHtml(r.attrition));
  b.push(`<h2>Obligations per day against the quota</h2>`);
  b.push(`<p>Refresh deadlines of the active records over the next ${r.obligations.horizonDays} days, as API requests, against each source's daily quota.</p>`);
  r.obligations.sources.forEach((s, i) => {
    b.push(`<h3>Source <code>${escapeXml(s.source)}</code> (${escapeXml(s.api)}, ${s.dailyRequests} requests/day)</h3>`);
    b.push(
      `<p>Active: ${RECORD_KINDS.map((k) => `${s.active[k]} ${kindLabel[k]}`).join(', ')}. Overdue refreshes: ${s.overdueRecords}. Days whose refreshes need more than the quota: ${s.daysOverQuota}.</p>`,
    );
    b.push(quotaChart(s, i));
    b.push('<div class="perday">');
    b.push(
      htmlTable(
        ['day', ...RECORD_KINDS.map((k) => `${kindLabel[k]} due`), 'requests needed', 'quota', 'expiring'],
        s.days.map((d) => [d.day, ...RECORD_KINDS.map((k) => d.due[k]), d.requests, s.dailyRequests, d.expiring]),
      ),
    );
    b.push('</div>');
  });

  b.push('<h2>Overdue</h2>');
  if (r.overdue.count === 0) b.push('<p>Nothing is overdue.</p>');
  else {
    b.push(`<p>${r.overdue.count} overdue obligation(s): ${r.overdue.byObligation.refresh} refresh, ${r.overdue.byObligation.expiry} expiry, ${r.overdue.byObligation.purge} purge.</p>`);
    b.push(htmlTable(['record hash', 'kind', 'obligation', 'due', 'hours overdue'], r.overdue.items.map((o) => [o.recordHash, o.kind, o.obligation, o.dueAt, o.hoursOverdue]), 'overdue'));
    if (r.overdue.truncated) b.push(`<p>(first ${r.overdue.items.length} listed)</p>`);
  }

  if (r.holds && r.holds.length > 0) {
    b.push('<h2>Purge holds waiting for the PI</h2>');
    b.push(`<ul>${r.holds.map((h) => `<li>${escapeXml(holdText(h))}</li>`).join('')}</ul>`);
  }
  if (r.pulledCopies && r.pulledCopies.stale.length > 0) {
    b.push('<h2>Pulled export copies holding purged records</h2>');
    b.push(`<p>${r.pulledCopies.stale.length} copy(ies) to replace, ${r.pulledCopies.overdue} overdue:</p>`);
    b.push(`<ul>${r.pulledCopies.stale.map((line) => `<li>${escapeXml(line)}</li>`).join('')}</ul>`);
  }
  if (r.members) b.push(membersHtml(r.members));
  b.push('<h2>Policies</h2>');
  b.push(htmlTable(['policy', 'version', 'refresh within', 'purge within', 'source'], r.policies.map((p) => [p.id, p.version, `${p.refreshWithinDays} days`, `${p.purgeWithinHours} h`, p.source])));
  b.push('<p class="meta">Records appear only as keyed hashes (HMAC with the project secret); this report holds no content.</p>');
  b.push('</body>', '</html>', '');
  return b.join('\n');
}

/** One open purge hold, as the report lists it (counts, ids and times only). */
export function holdText(h: HoldView): string {
  return `purge hold ${h.id}: ${h.source}, ${h.records} record(s) held since ${h.firstHeldAt ?? h.openedAt} (${h.reason})${h.decisionDueAt ? `, PI's decision due ${h.decisionDueAt}${h.overdue ? ' (OVERDUE)' : ''}` : ''}`;
}
