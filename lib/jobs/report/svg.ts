/**
 * Stacked bar charts as inline SVG for the report (no scripts, no external reference of any kind), shared by the
 * report's renderings (render.ts, pi-render.ts): a linear or log axis, a reference line (the quota), a marker (today).
 */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
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
  readonly scale: 'linear' | 'log';
  /** A horizontal reference line (the quota). */
  readonly line?: { readonly value: number; readonly label: string; readonly color: string };
  /** A vertical marker before bar `index` (today). */
  readonly marker?: { readonly index: number; readonly label: string };
  readonly empty?: string;
  readonly id: string;
}

export const fmt = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

/** A stacked bar chart as inline SVG (no xmlns needed inside HTML; no external reference of any kind). */
export function barChartSvg(chart: BarChart): string {
  const n = chart.labels.length;
  const barW = Math.max(6, Math.min(26, Math.floor(660 / Math.max(1, n))));
  const left = 64;
  const top = 48;
  const plotH = 170;
  // Legend entries sized to their names (about 6.5 px per character at 10 px), on one line under the plot.
  const legendWidths = chart.series.map((s) => 14 + Math.ceil(s.name.length * 6.5) + 22);
  // Wide enough for the title (14 px bold, up to about 8.5 px per character) and the subtitle (11 px, about 6.2 px),
  // which a short series would otherwise cut off at the right edge.
  const textWidth = Math.max(Math.ceil(chart.title.length * 8.5), Math.ceil((chart.subtitle?.length ?? 0) * 6.2));
  const width = Math.max(left + n * barW + 120, left + legendWidths.reduce((a, w) => a + w, 0) + 16, left + textWidth + 16);
  const height = top + plotH + 70;
  const totals = chart.labels.map((_, i) => chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const maxValue = Math.max(1, ...totals, chart.line?.value ?? 0);
  let y: (v: number) => number;
  let ticks: number[];
  if (chart.scale === 'log') {
    const topExp = Math.ceil(Math.log10(maxValue * 1.2));
    const topValue = 10 ** Math.max(1, topExp);
    y = (v) => (v <= 0 ? top + plotH : top + plotH - (Math.log10(Math.max(1, v) * 10) / Math.log10(topValue * 10)) * plotH);
    ticks = Array.from({ length: Math.max(1, topExp) + 1 }, (_, i) => 10 ** i);
  } else {
    const step = niceStep(maxValue / 4);
    const topValue = Math.ceil((maxValue * 1.1) / step) * step;
    y = (v) => top + plotH - (v / topValue) * plotH;
    ticks = Array.from({ length: Math.floor(topValue / step) + 1 }, (_, i) => i * step);
  }
  const parts: string[] = [];
  parts.push(`<svg class="chart" id="${chart.id}" role="img" aria-labelledby="${chart.id}-title" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  parts.push(`<title id="${chart.id}-title">${escapeXml(chart.title)}</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="20" class="ct">${escapeXml(chart.title)}</text>`);
  if (chart.subtitle) parts.push(`<text x="${left}" y="36" class="cs">${escapeXml(chart.subtitle)}</text>`);
  for (const t of ticks) {
    const ty = y(t).toFixed(1);
    parts.push(`<line x1="${left}" x2="${left + n * barW}" y1="${ty}" y2="${ty}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${left - 6}" y="${ty}" class="ax" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#888"/>`);
  parts.push(`<line x1="${left}" x2="${left + n * barW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  chart.labels.forEach((label, i) => {
    let base = 0;
    const x = left + i * barW + 1;
    for (const s of chart.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(base);
      const y1 = y(base + v);
      base += v;
      parts.push(
        `<rect class="bar" x="${x}" y="${y1.toFixed(1)}" width="${barW - 2}" height="${Math.max(1, y0 - y1).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${label}: ${v} ${s.name}`)}</title></rect>`,
      );
    }
    const every = Math.ceil(n / 15);
    if (i % every === 0) {
      const lx = x + barW / 2;
      const ly = top + plotH + 10;
      parts.push(`<text x="${lx}" y="${ly}" class="ax" text-anchor="end" transform="rotate(-45 ${lx} ${ly})">${escapeXml(label.slice(5))}</text>`);
    }
  });
  if (chart.marker && chart.marker.index >= 0 && chart.marker.index <= n) {
    const mx = left + chart.marker.index * barW;
    parts.push(`<line x1="${mx}" x2="${mx}" y1="${top}" y2="${top + plotH}" stroke="#444" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${mx + 4}" y="${top + 10}" class="ax">${escapeXml(chart.marker.label)}</text>`);
  }
  if (chart.line) {
    const ly = y(chart.line.value).toFixed(1);
    parts.push(`<line class="quota" x1="${left}" x2="${left + n * barW}" y1="${ly}" y2="${ly}" stroke="${chart.line.color}" stroke-width="2" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${left + n * barW + 6}" y="${ly}" class="ax" dominant-baseline="middle" fill="${chart.line.color}">${escapeXml(chart.line.label)}</text>`);
  }
  if (totals.every((t) => t === 0) && chart.empty) {
    parts.push(`<text x="${left + (n * barW) / 2}" y="${top + plotH / 2}" class="cs" text-anchor="middle">${escapeXml(chart.empty)}</text>`);
  }
  // Legend
  chart.series.forEach((s, i) => {
    const lx = left + legendWidths.slice(0, i).reduce((a, w) => a + w, 0);
    const ly = height - 12;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${ly}" class="ax">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function niceStep(raw: number): number {
  if (raw <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const f = raw / magnitude;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
}
