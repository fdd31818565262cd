/**
 * The attrition section of the compliance report (Markdown and HTML) and its chart: Kaplan-Meier survival by age
 * since posting, one step line per group, drawn as inline SVG (self-contained, nothing fetched). The numbers behind
 * the chart are the report JSON's `attrition.survival[].steps`.
 */
import type { AttritionShare, SurvivalCurve } from '../../domain/attrition';
import type { AttritionReport } from '../attrition';

type Figures = Pick<AttritionReport, 'shares' | 'totals' | 'survival'>;

const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const SHARE_HEAD = ['spec', 'kind', 'collected', 'active', 'held', 'unavailable', 'erasure', 'expired', 'cascade', 'removed'];
const shareRow = (s: AttritionShare) => [s.spec === '*' ? 'all specs' : s.spec, s.kind, String(s.collected), ...(['active', 'held', 'unavailable', 'erasure', 'expired', 'cascade'] as const).map((o) => pct(s.shares[o])), pct(s.removedShare)];
const curveHead = (a: Figures) => ['group', 'records', 'unavailable', ...(a.survival[0]?.at.map((x) => `S(${x.ageDays} d)`) ?? []), 'median'];
const curveRow = (c: SurvivalCurve) => [c.group, String(c.subjects), String(c.events), ...c.at.map((x) => pct(x.survival)), c.medianDays === null ? 'not reached' : `${c.medianDays} d`];

const NOTE =
  'Shares: of the records collected, still active, held by the purge fuse, or removed by reason. Survival: Kaplan-Meier estimate of a record staying available on the platform by age since posting (event: confirmed unavailable, at the age the purge found it; every other record censored at its last confirmation; records without a posting time count in the shares only).';

export function attritionMarkdown(a: Figures): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const table = (head: readonly string[], rows: readonly (readonly string[])[]) => [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
  const out = ['## Attrition of the sample', '', NOTE, ''];
  if (a.shares.length === 0) return [...out, 'Nothing collected yet.', ''].join('\n');
  out.push(table(SHARE_HEAD, [...a.shares, ...a.totals].map(shareRow)), '');
  out.push(table(curveHead(a), a.survival.map(curveRow)), '');
  return out.join('\n');
}

const COLORS = ['#222222', '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1'];

/**
 * Survival curves as step lines on linear axes (age in days; survival from 100 % down to a floor in 5 % steps below
 * the lowest value, said in the subtitle, so a loss of a few per cent is visible; 0 % once a curve falls below 51 %). Censoring ticks are drawn while
 * a curve has at most 60 of them; denser ones would merge into a band.
 */
export function survivalChartSvg(curves: readonly SurvivalCurve[]): string {
  const shown = curves.filter((c) => c.steps.length > 0);
  const left = 56;
  const top = 40;
  const plotW = 640;
  const plotH = 200;
  const width = left + plotW + 40;
  const height = top + plotH + 64;
  const maxAge = Math.max(1, ...shown.map((c) => c.steps[c.steps.length - 1]!.ageDays));
  const step = maxAge <= 10 ? 1 : maxAge <= 40 ? 5 : maxAge <= 120 ? 15 : maxAge <= 400 ? 30 : 90;
  const xMax = Math.ceil(maxAge / step) * step;
  const x = (d: number) => left + (d / xMax) * plotW;
  const lowest = Math.min(1, ...shown.flatMap((c) => c.steps.map((st) => st.survival)));
  const zoom = Math.floor((lowest - 0.01) * 20) / 20;
  const floor = zoom >= 0.5 ? zoom : 0;
  const y = (s: number) => top + ((1 - s) / (1 - floor)) * plotH;
  const p: string[] = [];
  p.push(`<svg class="chart" id="survival" role="img" aria-labelledby="survival-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  p.push(`<title id="survival-title">Survival by age since posting (Kaplan-Meier)</title>`);
  p.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  p.push(`<text x="${left}" y="20" class="ct">Share still available on the platform, by age since posting</text>`);
  if (floor > 0) p.push(`<text x="${left}" y="34" class="cs">vertical axis from ${Math.round(floor * 100)} % (Kaplan-Meier; the table below gives the values)</text>`);
  for (let i = 0; i <= 4; i++) {
    const s = floor + ((1 - floor) * i) / 4;
    p.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(s).toFixed(1)}" y2="${y(s).toFixed(1)}" stroke="#e3e3e3"/>`);
    p.push(`<text x="${left - 6}" y="${y(s).toFixed(1)}" class="ax" text-anchor="end" dominant-baseline="middle">${(s * 100).toFixed(floor > 0 ? 1 : 0).replace(/\.0$/, '')} %</text>`);
  }
  for (let d = 0; d <= xMax; d += step) {
    p.push(`<text x="${x(d).toFixed(1)}" y="${top + plotH + 14}" class="ax" text-anchor="middle">${d}</text>`);
  }
  p.push(`<text x="${left + plotW / 2}" y="${top + plotH + 30}" class="ax" text-anchor="middle">age since posting (days)</text>`);
  p.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#888"/><line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  shown.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    let d = `M${x(0).toFixed(1)},${y(1).toFixed(1)}`;
    let s = 1;
    for (const st of c.steps) {
      d += ` H${x(st.ageDays).toFixed(1)}`;
      if (st.survival !== s) d += ` V${y(st.survival).toFixed(1)}`;
      s = st.survival;
    }
    p.push(`<path class="km" data-group="${esc(c.group)}" d="${d}" fill="none" stroke="${color}" stroke-width="${i === 0 ? 2.5 : 1.5}"><title>${esc(`${c.group}: ${c.subjects} records, ${c.events} found unavailable`)}</title></path>`);
    // Censoring ticks: where follow-up ended without an event.
    const censoredSteps = c.steps.filter((st) => st.censored > 0);
    if (censoredSteps.length <= 60) for (const st of censoredSteps) p.push(`<line x1="${x(st.ageDays).toFixed(1)}" x2="${x(st.ageDays).toFixed(1)}" y1="${(y(st.survival) - 3).toFixed(1)}" y2="${(y(st.survival) + 3).toFixed(1)}" stroke="${color}"/>`);
    const lx = left + i * 120;
    p.push(`<rect x="${lx}" y="${height - 20}" width="10" height="10" fill="${color}"/><text x="${lx + 14}" y="${height - 11}" class="ax">${esc(`${c.group} (${c.subjects})`)}</text>`);
  });
  if (shown.length === 0) p.push(`<text x="${left + plotW / 2}" y="${top + plotH / 2}" class="cs" text-anchor="middle">no records with a posting time yet</text>`);
  p.push('</svg>');
  return p.join('\n');
}

export function attritionHtml(a: Figures): string {
  const table = (head: readonly string[], rows: readonly (readonly string[])[]) =>
    `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c, i) => `<td${i >= 2 ? ' class="n"' : ''}>${esc(c)}</td>`).join('')}</tr>`)
      .join('\n')}</tbody></table>`;
  const out = ['<h2>Attrition of the sample</h2>', `<p>${esc(NOTE)}</p>`];
  if (a.shares.length === 0) return [...out, '<p>Nothing collected yet.</p>'].join('\n');
  out.push(table(SHARE_HEAD, [...a.shares, ...a.totals].map(shareRow)));
  out.push(survivalChartSvg(a.survival));
  out.push(table(curveHead(a), a.survival.map(curveRow)));
  return out.join('\n');
}
