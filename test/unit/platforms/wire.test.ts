/**
 * The clients against a minimal node:http server and the real global fetch: what actually goes over the
 * wire (bare 19-digit integers, multipart framing, form-encoded token request, timeouts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ResearchApiClient, TikTokNetworkError } from '../../../lib/platforms/tiktok';

interface Seen {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

describe('wire format against a node:http server', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Seen[] = [];
  const hanging: ServerResponse[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ path, headers: req.headers, body });
        const send = (status: number, text: string) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(text);
        };
        switch (path) {
          case '/v2/oauth/token/':
            return send(200, '{"access_token":"clt.wire","expires_in":7200,"token_type":"Bearer"}');
          case '/v2/research/video/query/':
            // Hand-written so the 19-digit ids are bare integers, as the API sends them.
            return send(
              200,
              '{"data":{"videos":[{"create_time":1704499196,"id":7320768196569599275,"music_id":7320768196569599999}],"cursor":1,"has_more":false,"search_id":"7354367454467855403"},"error":{"code":"ok","message":"","log_id":"WIRE1"}}',
            );
          case '/v2/research/video/comment/list/':
            return send(200, '{"data":{"comments":[],"has_more":false},"error":{"code":"ok","message":"","log_id":"WIRE2"}}');
          case '/v2/research/validation_task/create/':
            return send(200, '{"data":{"task_id":12345678910987654321},"error":{"code":"ok","http_status_code":200,"message":"ok.","log_id":"WIRE3"}}');
          case '/v2/research/user/info/':
            hanging.push(res); // never answers: the client's timeout must fire
            return undefined;
          default:
            return send(404, '{"data":{},"error":{"code":"not_found","message":"","log_id":""}}');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of hanging) res.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const client = () => new ResearchApiClient({ clientKey: 'key', clientSecret: 'secret', baseUrl, sleep: async () => undefined });

  it('reads 19-digit ids exactly and keeps them as bigint in raw', async () => {
    // Act
    const pages = [];
    for await (const page of client().queryVideos({
      query: { and: [{ operation: 'IN', field_name: 'video_id', field_values: ['7320768196569599275'] }] },
      startDate: '20240105',
      endDate: '20240105',
    })) {
      pages.push(page);
    }
    // Assess
    const video = pages[0]!.videos[0]!;
    expect(video.id).toBe('7320768196569599275');
    expect(video.musicId).toBe('7320768196569599999');
    expect(video.raw.id).toBe(7320768196569599275n);
    expect(pages[0]!.logId).toBe('WIRE1');
    const request = seen.find((s) => s.path === '/v2/research/video/query/')!;
    expect(request.body).toContain('"field_values":["7320768196569599275"]');
    expect(request.headers.authorization).toBe('Bearer clt.wire');
  });

  it('writes video_id as bare digits in the request body', async () => {
    // Act
    for await (const _page of client().videoComments({ videoId: '7320768196569599275' })) {
      // one page
    }
    // Assess
    const request = seen.find((s) => s.path === '/v2/research/video/comment/list/')!;
    expect(request.body).toBe('{"video_id":7320768196569599275,"max_count":100,"cursor":0}');
    expect(request.headers['content-type']).toBe('application/json');
  });

  it('uploads the id file as multipart/form-data with file_data and category parts', async () => {
    // Act
    const task = await client().createValidationTask(['7320768196569599275', '7320768196569599276'], 'video');
    // Assess
    const request = seen.find((s) => s.path === '/v2/research/validation_task/create/')!;
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(request.headers['content-type'] ?? '')?.[1];
    expect(boundary).toBeDefined();
    expect(request.body).toContain(`--${boundary}\r\nContent-Disposition: form-data; name="file_data"; filename="ids.txt"\r\nContent-Type: text/plain\r\n\r\n7320768196569599275\n7320768196569599276\n\r\n`);
    expect(request.body).toContain(`Content-Disposition: form-data; name="category"\r\n\r\nvideo\r\n`);
    expect(task.taskId).toBe('12345678910987654321');
  });

  it('sends the token request form-encoded', () => {
    const request = seen.find((s) => s.path === '/v2/oauth/token/')!;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request.body).toBe('client_key=key&client_secret=secret&grant_type=client_credentials');
  });

  it('aborts a hanging request after timeoutMs', async () => {
    // Prepare
    const impatient = new ResearchApiClient({ clientKey: 'key', clientSecret: 'secret', baseUrl, timeoutMs: 100, retry: { maxAttempts: 1 } });
    // Act
    const error = await impatient.userInfo('slow', ['display_name']).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TikTokNetworkError);
    expect((error as TikTokNetworkError).timedOut).toBe(true);
    expect(impatient.quota().requests).toBe(1);
  });
});
