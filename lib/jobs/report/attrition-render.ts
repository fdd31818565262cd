/**
 * The attrition section of the compliance report (Markdown and HTML) and its chart: Kaplan-Meier survival by age
 * since posting, one step line per group, drawn by ECharts as inline SVG (self-contained, nothing fetched; svg.ts). The numbers behind
 * the chart are the report JSON's `attrition.survival[].steps`.
 */
import type { AttritionShare, SurvivalCurve } from '../../domain/attrition';
import type { AttritionReport } from '../attrition';
import { AXIS_LABEL, echartsSvg, SUBTITLE_STYLE, TITLE_STYLE } from './svg';

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
 * the lowest value, said in the subtitle, so a loss of a few per cent is visible; 0 % once a curve falls below 51 %).
 * Censoring marks (short vertical ticks) are drawn while a curve has at most 60 of them; denser ones would merge into
 * a band.
 */
export function survivalChartSvg(curves: readonly SurvivalCurve[]): string {
  const shown = curves.filter((c) => c.steps.length > 0);
  const left = 56;
  const plotW = 640;
  const width = left + plotW + 40;
  const height = 304;
  const maxAge = Math.max(1, ...shown.map((c) => c.steps[c.steps.length - 1]!.ageDays));
  const step = maxAge <= 10 ? 1 : maxAge <= 40 ? 5 : maxAge <= 120 ? 15 : maxAge <= 400 ? 30 : 90;
  const xMax = Math.ceil(maxAge / step) * step;
  const lowest = Math.min(1, ...shown.flatMap((c) => c.steps.map((st) => st.survival)));
  const zoom = Math.floor((lowest - 0.01) * 20) / 20;
  const floor = zoom >= 0.5 ? Math.round(zoom * 100) / 100 : 0;
  const title = 'Share still available on the platform, by age since posting';
  const series: NonNullable<Parameters<typeof echartsSvg>[0]['option']['series']> = [];
  shown.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    const name = `${c.group} (${c.subjects})`;
    series.push({
      type: 'line',
      name,
      step: 'end',
      clip: false,
      showSymbol: false,
      lineStyle: { color, width: i === 0 ? 2.5 : 1.5 },
      itemStyle: { color },
      data: [[0, 1], ...c.steps.map((st) => [st.ageDays, st.survival])],
    });
    // Censoring marks: where follow-up ended without an event.
    const censored = c.steps.filter((st) => st.censored > 0);
    if (censored.length > 0 && censored.length <= 60) {
      series.push({ type: 'scatter', name, symbol: 'rect', symbolSize: [1.5, 7], itemStyle: { color }, data: censored.map((st) => [st.ageDays, st.survival]) });
    }
  });
  return echartsSvg({
    id: 'survival',
    title: 'Survival by age since posting (Kaplan-Meier)',
    width,
    height,
    option: {
      title: {
        text: title,
        subtext: floor > 0 ? `vertical axis from ${Math.round(floor * 100)} % (Kaplan-Meier; the table below gives the values)` : '',
        left: left - 4,
        top: 4,
        textStyle: TITLE_STYLE,
        subtextStyle: SUBTITLE_STYLE,
        itemGap: 4,
      },
      grid: { left, right: width - left - plotW, top: 48, bottom: 64, containLabel: false },
      legend: { bottom: 4, left: left - 4, icon: 'rect', itemWidth: 10, itemHeight: 10, itemGap: 22, textStyle: AXIS_LABEL, data: shown.map((c) => `${c.group} (${c.subjects})`) },
      xAxis: {
        type: 'value',
        min: 0,
        max: xMax,
        interval: step,
        name: 'age since posting (days)',
        nameLocation: 'middle',
        nameGap: 22,
        nameTextStyle: AXIS_LABEL,
        axisLine: { lineStyle: { color: '#888' } },
        splitLine: { show: false },
        axisLabel: AXIS_LABEL,
      },
      yAxis: {
        type: 'value',
        min: floor,
        max: 1,
        interval: (1 - floor) / 4,
        axisLine: { show: true, lineStyle: { color: '#888' } },
        splitLine: { lineStyle: { color: '#e3e3e3' } },
        axisLabel: { ...AXIS_LABEL, formatter: (s: number) => `${(s * 100).toFixed(floor > 0 ? 1 : 0).replace(/\.0$/, '')} %` },
      },
      graphic: shown.length === 0 ? [{ type: 'text', left: 'center', top: 'middle', style: { text: 'no records with a posting time yet', fontSize: 11, fill: '#666' } }] : [],
      series,
    },
  });
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
