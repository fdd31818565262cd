import { type Harness, START, startHarness } from './harness';

const CREATE = '/v2/research/validation_task/create/';
const STATUS = '/v2/research/validation_task_status/get/';
const DOWNLOAD = '/v2/research/validation_task/download/';

const upload = (h: Harness, ids: string, category: string | null = 'video') => {
  const form = new FormData();
  if (category !== null) form.append('category', category);
  form.append('file_data', new Blob([ids], { type: 'text/plain' }), 'ids.txt');
  return h.post(CREATE, undefined, { rawBody: form });
};

describe('emulator: batch compliance', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ complianceTaskPolls: 2 });
  });
  afterAll(() => h.stop());
  afterEach(() => h.clock.set(new Date(START)));

  it('checks video ids: Processing, then Completed, then the still-valid ids as text; evaluated at completion', async () => {
    // Prepare: videos alive now, one deleted long ago, one deleted between creation and completion, and a made-up id.
    const world = h.emulator.world;
    const now = h.clock.now();
    const videos = world.listVideos();
    const alive = videos.filter((v) => v.createTime < now && world.videoExists(v.id, new Date('2026-03-05'))).slice(0, 50).map((v) => v.id);
    const deleted = videos.find((v) => v.deletedAt && v.deletedAt < now)!.id;
    const soonGone = world.changes().find((c) => c.kind === 'video' && c.at > now && c.at < new Date('2026-03-05') && world.videoExists(c.id, now))!;
    const file = [...alive, deleted, soonGone.id, '7000000000000000000'].join('\n') + '\n';
    // Act
    const created = await upload(h, file);
    const taskId = created.json.data.task_id;
    const polls = [];
    polls.push(await h.post(STATUS, { task_id: taskId }));
    const early = await h.post(DOWNLOAD, { task_id: taskId });
    polls.push(await h.post(STATUS, { task_id: taskId }));
    h.clock.set(new Date('2026-03-05T00:00:00Z'));
    polls.push(await h.post(STATUS, { task_id: taskId }));
    const download = await h.post(DOWNLOAD, { task_id: taskId.toString() });
    // Assess
    expect(created.status).toBe(200);
    expect(created.text).toMatch(/"task_id":\d{19}[,}]/);
    expect(created.json.error.http_status_code).toBe(200);
    expect(polls.map((p) => p.json.data.task_status)).toEqual(['Processing', 'Processing', 'Completed']);
    expect(early.status).toBe(400);
    expect(early.json.error.message).toMatch(/still processing/);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(download.text.trim().split('\n')).toEqual(alive);
  });

  it('checks comment ids', async () => {
    const world = h.emulator.world;
    const now = h.clock.now();
    const comments = world.listVideos().filter((v) => v.createTime < new Date('2026-02-01')).slice(0, 80).flatMap((v) => world.listComments(v.id));
    const valid = comments.filter((c) => world.commentExists(c.id, now)).map((c) => c.id);
    const invalid = comments.filter((c) => !world.commentExists(c.id, now)).map((c) => c.id);
    expect(invalid.length).toBeGreaterThan(0);
    const created = await upload(h, [...valid, ...invalid].join('\r\n'), 'comment');
    const taskId = created.json.data.task_id;
    for (let i = 0; i < 3; i += 1) await h.post(STATUS, { task_id: taskId });
    const download = await h.post(DOWNLOAD, { task_id: taskId });
    expect(download.text.trim().split('\n')).toEqual(valid);
  });

  it.each([
    ['more than 10,000 ids', Array.from({ length: 10_001 }, (_, i) => String(7_000_000_000_000_000_000n + BigInt(i))).join('\n'), 'video', 'invalid_file_upload', /at most 10000/],
    ['a line that is not an id', '7000000000000000000\nhello\n', 'video', 'invalid_file_upload', /line 2 of file_data is not an id/],
    ['an empty file', '\n\n', 'video', 'invalid_file_upload', /holds no ids/],
    ['a bad category', '7000000000000000000', 'user', 'invalid_params', /category must be "video" or "comment"/],
    ['no category', '7000000000000000000', null, 'invalid_params', /category must be/],
  ])('refuses %s', async (_name, ids, category, code, message) => {
    const r = await upload(h, ids, category);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe(code);
    expect(r.json.error.http_status_code).toBe(400);
    expect(r.json.error.message).toMatch(message);
  });

  it('accepts exactly 10,000 ids', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => String(7_000_000_000_000_000_000n + BigInt(i))).join('\n');
    expect((await upload(h, ids)).status).toBe(200);
  });

  it('wants multipart, and a known task id', async () => {
    const json = await h.post(CREATE, { file_data: '1', category: 'video' });
    expect(json.status).toBe(400);
    expect(json.json.error.code).toBe('invalid_file_upload');
    const unknown = await h.post(STATUS, { task_id: '7000000000000000000' });
    expect(unknown.json.error.message).toMatch(/task_id 7000000000000000000 is invalid/);
  });
});
