/** The report's charts (ECharts, server-side SVG) on hand-made curves and bars: what is drawn, and that it stays self-contained. */
import { survivalChartSvg } from '../../lib/jobs/report/attrition-render';
import { barChartSvg } from '../../lib/jobs/report/svg';

const curve = (steps: Array<{ ageDays: number; survival: number; censored: number }>) =>
  ({ group: 'all', subjects: 1000, events: 8, steps: steps.map((s) => ({ ...s, atRisk: 1, events: 0 })) }) as never;
/** Filled shapes of the chart itself (not legend, not axes) in one colour: bars, censoring marks. */
const shapes = (svg: string, color: string) => (svg.match(new RegExp(`<path [^>]*fill="${color}"[^>]*ecmeta_ssr_type="chart"`, 'g')) ?? []).length;

describe('report charts', () => {
  it('starts the survival axis below the lowest value in 5 % steps and says so; 0 % when the curve falls far', () => {
    const shallow = survivalChartSvg([curve([{ ageDays: 10, survival: 0.994, censored: 0 }, { ageDays: 40, survival: 0.986, censored: 0 }])]);
    expect(shallow).toContain('vertical axis from 95 %');
    expect(shallow).toMatch(/>95 %<\/text>/);
    const deep = survivalChartSvg([curve([{ ageDays: 10, survival: 0.4, censored: 0 }])]);
    expect(deep).not.toContain('vertical axis from');
    expect(deep).toMatch(/>0 %<\/text>/);
    expect(deep).toContain('>all (1000)</text>'); // the legend names the group and its size
  });

  it('draws the survival curve as a step line: level until each event age, then down', () => {
    const svg = survivalChartSvg([curve([{ ageDays: 10, survival: 0.5, censored: 0 }, { ageDays: 20, survival: 0.25, censored: 0 }])]);
    // x 0..20 over 640 px from 56; y 100 %..0 % over the plot: one line, horizontal then vertical at 10 and 20 days.
    const d = /<path d="(M[^"]+)" fill="none"[^>]*stroke="#222222"/.exec(svg)![1]!;
    const points = d.split(/[ML]/).filter(Boolean).map((p) => p.split(/[ ,]/).map(Number) as [number, number]);
    expect(points.map(([x]) => Math.round(x))).toEqual([56, 376, 376, 696, 696]);
    const ys = points.map(([, y]) => y);
    expect(ys[0]).toBe(ys[1]);
    expect(ys[2]).toBe(ys[3]);
    expect(ys[2]! - ys[0]!).toBeCloseTo((ys[4]! - ys[0]!) * (0.5 / 0.75), 0);
  });

  it('draws censoring marks while a curve has at most 60, none when denser', () => {
    const marks = (n: number) => shapes(survivalChartSvg([curve(Array.from({ length: n }, (_, i) => ({ ageDays: i + 1, survival: 1, censored: 1 })))]), '#222222');
    expect(marks(60)).toBe(60);
    expect(marks(61)).toBe(0);
  });

  it('draws one bar per non-zero value, the quota line and the today marker, self-contained', () => {
    const svg = barChartSvg({
      id: 't',
      title: 'A <chart> & its title',
      labels: ['2026-03-01', '2026-03-02', '2026-03-03'],
      series: [
        { name: 'used', color: '#5b8def', values: [3, 0, 2] },
        { name: 'needed', color: '#f28e2b', values: [0, 4, 1] },
      ],
      line: { value: 10, label: 'quota 10', color: '#c0392b' },
      marker: { index: 1, label: 'today' },
    });
    expect(svg).toMatch(/^<svg class="chart" id="t" role="img" aria-labelledby="t-title"[^>]*>\n<title id="t-title">A &lt;chart&gt; &amp; its title<\/title>/);
    expect(shapes(svg, '#5b8def')).toBe(2);
    expect(shapes(svg, '#f28e2b')).toBe(2);
    expect(svg).toMatch(/stroke="#c0392b"[^>]*stroke-dasharray/);
    for (const text of ['quota 10', 'today', '03-01', '03-03', 'used', 'needed', '>10<']) expect(svg).toContain(text);
    expect(svg).not.toMatch(/https?:|<script|url\(|href=/i);
  });

  it('makes a chart wide enough for its title', () => {
    const title = 'A long title that a chart of three bars would otherwise cut off at its right edge';
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(barChartSvg({ id: 't', title, labels: ['a', 'b', 'c'], series: [{ name: 's', color: '#000', values: [1, 2, 3] }] }))![1]);
    expect(width).toBeGreaterThanOrEqual(64 + title.length * 8.5);
  });
});
