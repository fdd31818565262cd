import { parseJson } from '../../../lib/domain/json';
import { runEmulatorCli, startEmulator } from '../../../lib/emulator';
import { eq, type Harness, START, startHarness } from './harness';

const adminPost = async (h: Harness, path: string, body: unknown) => {
  const response = await fetch(`${h.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, json: parseJson(await response.text()) as Record<string, unknown> & { error?: string } };
};

describe('emulator: admin endpoints', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  afterEach(() => h.clock.set(new Date(START)));

  it('reads, sets and advances a settable clock', async () => {
    expect((await h.get('/__admin/clock')).json).toEqual({ now: '2026-03-01T12:00:00.000Z', settable: true });
    expect((await adminPost(h, '/__admin/clock', { now: '2026-03-17T00:00:00Z' })).json.now).toBe('2026-03-17T00:00:00.000Z');
    expect(h.clock.now().toISOString()).toBe('2026-03-17T00:00:00.000Z');
    expect((await adminPost(h, '/__admin/clock', { advanceSeconds: 90 })).json.now).toBe('2026-03-17T00:01:30.000Z');
    const bad = await adminPost(h, '/__admin/clock', { now: 'tomorrow' });
    expect(bad.status).toBe(400);
  });

  it('refuses to set a clock that is not settable', async () => {
    const fixed = await startEmulator({ clock: { now: () => new Date(START) }, world: { users: 50, videosPerDay: 5, historyDays: 10, futureDays: 0 } });
    try {
      const response = await fetch(`${fixed.url}/__admin/clock`, { method: 'POST', body: JSON.stringify({ advanceSeconds: 1 }) });
      expect(response.status).toBe(409);
    } finally {
      await fixed.stop();
    }
  });

  it('answers the truth about matching videos and existence', async () => {
    // Act
    const body = { query: { and: [eq('region_code', 'US')] }, start_date: '20260201', end_date: '20260228' };
    const truth = await adminPost(h, '/__admin/truth/videos', body);
    const later = await adminPost(h, '/__admin/truth/videos', { ...body, at: '2026-03-10T00:00:00Z' });
    const invalid = await adminPost(h, '/__admin/truth/videos', { ...body, end_date: '20260310' });
    // Assess
    const ids = (truth.json.ids as bigint[]).map(String);
    expect(ids).toEqual(h.emulator.world.matchVideos(body, h.clock.now()));
    expect(truth.json.count).toBe(ids.length);
    expect(later.json.count as number).toBeLessThanOrEqual(ids.length);
    expect(invalid.status).toBe(400);
    expect(invalid.json.error).toMatch(/no more than 30 days/);
    const deleted = h.emulator.world.changes().find((c) => c.kind === 'video')!;
    const before = await h.get(`/__admin/truth/exists?kind=video&id=${deleted.id}&at=${new Date(deleted.at.getTime() - 1000).toISOString()}`);
    const after = await h.get(`/__admin/truth/exists?kind=video&id=${deleted.id}&at=${deleted.at.toISOString()}`);
    expect(before.json.exists).toBe(true);
    expect(after.json.exists).toBe(false);
    expect((await h.get('/__admin/truth/exists?kind=planet&id=1')).status).toBe(400);
  });

  it('lists changes and world facts, and reports quota usage', async () => {
    const changes = (await h.get('/__admin/truth/changes')).json.changes;
    expect(changes.length).toBe(h.emulator.world.changes().length);
    expect(changes[0]).toEqual(expect.objectContaining({ kind: expect.any(String), id: expect.any(String), change: expect.any(String), at: expect.any(String) }));
    const world = (await h.get('/__admin/world')).json;
    expect(world).toMatchObject({ seed: 1, anchor: '2026-03-01T00:00:00.000Z' });
    await h.post('/v2/research/user/info/?fields=display_name', { username: 'nobody' });
    const quota = (await h.get('/__admin/quota?client_key=lab-key')).json;
    expect(quota).toMatchObject({ clientKey: 'lab-key', day: '2026-03-01', resetsAt: '2026-03-02T00:00:00.000Z', used: { research: { requests: 1, records: 0 } } });
    expect((await h.get('/__admin/quota')).status).toBe(400);
    expect((await h.get('/__admin/nothing')).status).toBe(404);
    expect((await adminPost(h, '/__admin/quota', {})).status).toBe(405);
  });
});

describe('emulator: CLI entry', () => {
  it('starts with the given credentials and clock and prints one line with the URL', async () => {
    // Prepare
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    // Act
    const emulator = await runEmulatorCli({ port: 0, clientKey: 'k', clientSecret: 's', seed: 7, now: new Date('2026-05-01T00:00:00Z') });
    write.mockRestore();
    try {
      const token = await fetch(`${emulator.url}/v2/oauth/token/`, { method: 'POST', body: new URLSearchParams({ client_key: 'k', client_secret: 's', grant_type: 'client_credentials' }) });
      // Assess
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(emulator.url);
      expect(lines[0]!.endsWith('\n')).toBe(true);
      expect(token.status).toBe(200);
      expect(emulator.world.seed).toBe(7);
      expect(emulator.world.anchor.toISOString()).toBe('2026-05-01T00:00:00.000Z');
    } finally {
      await emulator.stop();
    }
  });
});
