/**
 * The report's charts as inline SVG drawn by Apache ECharts (server-side rendering: synchronous, no DOM, no canvas),
 * shared by the report's renderings (render.ts, pi-render.ts, attrition-render.ts). Self-contained: no script, no
 * font, no external reference of any kind (the SVG namespaces are dropped: inline SVG in HTML needs none).
 *
 * ECharts is required on first use only (the HTML rendering), so `steward --help` and every other command never
 * load it; the CLI build keeps it external (scripts/build-cli.mjs) and no Lambda bundle imports this file.
 */
import type * as Echarts from 'echarts';

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export const fmt = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

let loaded: typeof Echarts | undefined;
function echarts(): typeof Echarts {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('echarts') as typeof Echarts;
  return loaded;
}

/** Text styles shared by every chart (the report's system font stack; nothing is fetched). */
export const TITLE_STYLE = { fontSize: 14, fontWeight: 600, color: '#222' } as const;
export const SUBTITLE_STYLE = { fontSize: 11, color: '#666' } as const;
export const AXIS_LABEL = { fontSize: 10, color: '#555' } as const;
/** Single quotes only: ECharts writes the family into a double-quoted style attribute. */
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

/**
 * One chart as an inline SVG element: the ECharts option rendered without animation, the root element given the
 * report's class, an id, `role="img"` and a `<title>` (its accessible name).
 */
export function echartsSvg(chart: { id: string; title: string; width: number; height: number; option: Echarts.EChartsOption }): string {
  const instance = echarts().init(null, null, { renderer: 'svg', ssr: true, width: chart.width, height: chart.height });
  try {
    instance.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: FONT }, ...chart.option });
    const svg = instance.renderToSVGString();
    const open = /^<svg[^>]*>/.exec(svg);
    if (!open) throw new Error('ECharts rendered no <svg> element');
    const head =
      `<svg class="chart" id="${chart.id}" role="img" aria-labelledby="${chart.id}-title" width="${chart.width}" height="${chart.height}" viewBox="0 0 ${chart.width} ${chart.height}">` +
      `\n<title id="${chart.id}-title">${escapeXml(chart.title)}</title>`;
    return head + svg.slice(open[0].length);
  } finally {
    instance.dispose();
  }
}

interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

interface BarChart {
  readonly title: string;
  readonly subtitle?: string;
  readonly labels: readonly string[];
  /** Stacked in order, bottom first. */
  readonly series: readonly Series[];
  /** A horizontal reference line (the quota). */
  readonly line?: { readonly value: number; readonly label: string; readonly color: string };
  /** A vertical marker at bar `index` (today). */
  readonly marker?: { readonly index: number; readonly label: string };
  readonly empty?: string;
  readonly id: string;
}

/** A stacked bar chart on a linear axis (days along the bottom, labelled MM-DD). */
export function barChartSvg(chart: BarChart): string {
  const n = chart.labels.length;
  const barW = Math.max(6, Math.min(26, Math.floor(660 / Math.max(1, n))));
  const left = 64;
  // Wide enough for the title (14 px bold, up to about 8.5 px per character) and the subtitle (11 px, about 6.2 px).
  const textWidth = Math.max(Math.ceil(chart.title.length * 8.5), Math.ceil((chart.subtitle?.length ?? 0) * 6.2));
  const legendWidth = chart.series.reduce((a, s) => a + 14 + Math.ceil(s.name.length * 6.5) + 22, 0);
  const width = Math.max(left + n * barW + 120, left + legendWidth + 16, left + textWidth + 16);
  const height = 290;
  const totals = chart.labels.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const empty = totals.every((t) => t === 0) && chart.empty !== undefined;
  const maxValue = Math.max(1, ...totals, chart.line?.value ?? 0);
  const step = niceStep(maxValue / 4);
  const top = Math.ceil((maxValue * 1.1) / step) * step;
  const markLine = (data: object[]) => ({ silent: true, symbol: 'none', animation: false, data });
  const series: Echarts.EChartsOption['series'] = chart.series.map((s, i) => ({
    type: 'bar',
    name: s.name,
    stack: 'total',
    clip: false,
    barWidth: barW - 2,
    itemStyle: { color: s.color },
    data: s.values.map((v) => (v > 0 ? v : null)),
    ...(i === 0 && chart.line
      ? {
          markLine: markLine([
            { yAxis: chart.line.value, lineStyle: { color: chart.line.color, width: 2, type: [6, 4] }, label: { formatter: chart.line.label, color: chart.line.color, fontSize: 10, position: 'end' } },
          ]),
        }
      : {}),
    ...(i === 1 || (i === 0 && !chart.line)) && chart.marker && chart.marker.index >= 0 && chart.marker.index < n
      ? { markLine: markLine([{ xAxis: chart.marker.index, lineStyle: { color: '#444', type: [2, 3], width: 1 }, label: { formatter: chart.marker.label, color: '#444', fontSize: 10, position: 'end' } }]) }
      : {},
  }));
  const every = Math.ceil(n / 15);
  return echartsSvg({
    id: chart.id,
    title: chart.title,
    width,
    height,
    option: {
      title: { text: chart.title, subtext: chart.subtitle, left: left - 4, top: 4, textStyle: TITLE_STYLE, subtextStyle: SUBTITLE_STYLE, itemGap: 4 },
      grid: { left, right: Math.max(16, width - left - n * barW), top: 58, bottom: 66, containLabel: false },
      legend: { bottom: 4, left: left - 4, icon: 'rect', itemWidth: 10, itemHeight: 10, itemGap: 22, textStyle: AXIS_LABEL, data: chart.series.map((s) => s.name) },
      xAxis: {
        type: 'category',
        data: chart.labels.map((l) => l.slice(5)),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: '#888' } },
        axisLabel: { ...AXIS_LABEL, rotate: 45, interval: every - 1 },
      },
      yAxis: {
        type: 'value',
        min: 0,
        max: top,
        interval: step,
        axisLine: { show: true, lineStyle: { color: '#888' } },
        splitLine: { lineStyle: { color: '#e3e3e3' } },
        axisLabel: { ...AXIS_LABEL, formatter: (v: number) => fmt(v) },
      },
      graphic: empty ? [{ type: 'text', left: 'center', top: 'middle', style: { text: chart.empty, fontSize: 11, fill: '#666' } }] : [],
      series,
    },
  });
}

function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}
