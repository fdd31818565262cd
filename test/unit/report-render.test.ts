/** The report's hand-drawn charts on hand-made curves: the survival axis floor and dense censoring. */
import { survivalChartSvg } from '../../lib/jobs/report/attrition-render';
import { barChartSvg } from '../../lib/jobs/report/svg';

const curve = (steps: Array<{ ageDays: number; survival: number; censored: number }>) =>
  ({ group: 'all', subjects: 1000, events: 8, steps: steps.map((s) => ({ ...s, atRisk: 1, events: 0 })) }) as never;

describe('report charts', () => {
  it('starts the survival axis below the lowest value in 5 % steps and says so; 0 % when the curve falls far', () => {
    const shallow = survivalChartSvg([curve([{ ageDays: 10, survival: 0.994, censored: 0 }, { ageDays: 40, survival: 0.986, censored: 0 }])]);
    expect(shallow).toContain('vertical axis from 95 %');
    expect(shallow).toMatch(/>95 %<\/text>/);
    const deep = survivalChartSvg([curve([{ ageDays: 10, survival: 0.4, censored: 0 }])]);
    expect(deep).not.toContain('vertical axis from');
    expect(deep).toMatch(/>0 %<\/text>/);
  });

  it('draws censoring ticks while a curve has at most 60, none when denser', () => {
    const ticks = (n: number) => (survivalChartSvg([curve(Array.from({ length: n }, (_, i) => ({ ageDays: i + 1, survival: 1, censored: 1 })))]).match(/<line x1="[\d.]+" x2="[\d.]+" y1="[\d.]+" y2="[\d.]+" stroke="#222222"\/>/g) ?? []).length;
    expect(ticks(60)).toBe(60);
    expect(ticks(61)).toBe(0);
  });

  it('makes a chart wide enough for its title', () => {
    const title = 'A long title that a chart of three bars would otherwise cut off at its right edge';
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(barChartSvg({ id: 't', title, labels: ['a', 'b', 'c'], series: [{ name: 's', color: '#000', values: [1, 2, 3] }], scale: 'linear' }))![1]);
    expect(width).toBeGreaterThanOrEqual(64 + title.length * 8.5);
  });
});
