import { SweepGroups, type Lane } from '../../lib/domain/sweep-groups';

interface Item {
  readonly id: number;
  readonly lane: Lane;
}

const comment = (id: number, parent: string): Item => ({ id, lane: { lane: 'comment', parent } });
const video = (id: number, day: number): Item => ({ id, lane: { lane: 'video', day } });

describe('Class: SweepGroups', () => {
  it('hands every due comment of a video to one step, and marks the ones read later as covered', () => {
    // Arrange: steps of 4; video a's comments are read before and after its step is taken
    const groups = new SweepGroups<Item>((i) => i.lane, { stepSize: 4, checkStepSize: 10 });
    const steps: number[][] = [];
    const covered: number[] = [];
    const read = [comment(1, 'a'), comment(2, 'b'), comment(3, 'a'), comment(4, 'c'), comment(5, 'a'), comment(6, 'd'), comment(7, 'b')];

    // Act
    for (const item of read) {
      const out = groups.add(item);
      steps.push(...out.steps.map((s) => s.map((i) => i.id)));
      if (out.covered) covered.push(item.id);
    }
    steps.push(...groups.finish().map((s) => s.map((i) => i.id)));

    // Assess: a, b and c listed in the first step; comments 5 and 7 came after their video's step
    expect(steps).toEqual([[1, 3, 2, 4], [6]]);
    expect(covered).toEqual([5, 7]);
    expect(groups.isListed('a')).toBe(true);
  });

  it('gathers videos by 30-day creation window across the sweep, and packs the rest of every window at the end', () => {
    const groups = new SweepGroups<Item>((i) => i.lane, { stepSize: 3, checkStepSize: 10 });
    const steps: number[][] = [];
    // Window 0 = days 0..29, window 1 = days 30..59, window 2 = days 60..89, read interleaved
    for (const item of [video(1, 0), video(2, 31), video(3, 5), video(4, 40), video(5, 29), video(6, 61)]) steps.push(...groups.add(item).steps.map((s) => s.map((i) => i.id)));
    expect(steps).toEqual([[1, 3, 5]]);
    expect(groups.finish().map((s) => s.map((i) => i.id))).toEqual([[2, 4, 6]]);
  });

  it('never lets compliance-task records wait behind a lookup step, and bounds the videos it holds', () => {
    const groups = new SweepGroups<Item>((i) => i.lane, { stepSize: 2, checkStepSize: 10, maxHeldVideos: 3 });
    expect(groups.add({ id: 1, lane: { lane: 'check' } }).steps).toEqual([]);
    expect(groups.add(video(2, 0)).steps).toEqual([]);
    expect(groups.add(video(3, 100)).steps).toEqual([]);
    expect(groups.add(video(4, 200)).steps).toEqual([]);
    // a fourth held video exceeds the bound: the fullest window goes, after the waiting compliance-task record
    expect(groups.add(video(5, 300)).steps.map((s) => s.map((i) => i.id))).toEqual([[1], [2]]);
    expect(groups.pending).toBe(3);
  });
});
