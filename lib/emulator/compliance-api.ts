/**
 * Batch compliance: upload up to 10,000 video or comment ids as a multipart text file, poll the task until it is
 * Completed, then download the ids that are still available (evaluated when the task completed).
 */
import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorServices, Endpoint, EndpointResult, RequestContext } from './endpoint';
import { jsonBody } from './endpoint';
import { ApiError, idParam, invalidParams } from './http';

export const MAX_IDS_PER_TASK = 10_000;
const MAX_FILE_BYTES = 1024 * 1024;

type Category = 'video' | 'comment';

interface Task {
  readonly clientKey: string;
  readonly category: Category;
  readonly ids: readonly string[];
  polls: number;
  /** Ids still valid at completion; set when the task completes. */
  valid?: readonly string[];
}

const badFile = (message: string) => new ApiError('invalid_file_upload', message);

/** The three batch-compliance endpoints; tasks live in memory for the emulator's lifetime. */
export function complianceEndpoints(services: EmulatorServices): Endpoint[] {
  const { world } = services;
  const tasks = new Map<string, Task>();
  const endpoint = (path: string, handle: (ctx: RequestContext) => EndpointResult | Promise<EndpointResult>): Endpoint => ({
    path,
    scope: 'research.data.basic',
    bucket: 'research',
    style: 'v2',
    handle,
  });
  const findTask = (ctx: RequestContext): [string, Task] => {
    const id = idParam(jsonBody(ctx), 'task_id').toString();
    const task = tasks.get(id);
    if (!task || task.clientKey !== ctx.clientKey) throw invalidParams(`task_id ${id} is invalid: cannot find the task`);
    return [id, task];
  };
  const complete = (task: Task, ctx: RequestContext): readonly string[] => {
    // An outage answering empty: the task completes with none of its ids valid.
    task.valid ??= services.faults.roll('emptyLookupRate') ? [] : task.ids.filter((id) => (task.category === 'video' ? world.videoExists(id, ctx.now) : world.commentExists(id, ctx.now)));
    return task.valid;
  };

  return [
    endpoint('/v2/research/validation_task/create/', async (ctx) => {
      const { fields, files } = await readMultipart(ctx.headers, ctx.body);
      const category = fields.category;
      if (category !== 'video' && category !== 'comment') {
        throw invalidParams(`category must be "video" or "comment" (got ${category === undefined ? 'nothing' : JSON.stringify(category)})`);
      }
      const file = files.file_data ?? (fields.file_data !== undefined ? Buffer.from(fields.file_data) : undefined);
      if (file === undefined) throw badFile('file_data is required: a text file with one id per line');
      const ids = parseIdFile(file.toString('utf8'));
      const taskId = services.ids.next(ctx.now);
      tasks.set(taskId.toString(), { clientKey: ctx.clientKey, category, ids, polls: 0 });
      return { kind: 'json', data: { task_id: taskId }, records: 0 };
    }),

    endpoint('/v2/research/validation_task_status/get/', (ctx) => {
      const [, task] = findTask(ctx);
      task.polls += 1;
      if (task.polls <= services.complianceTaskPolls) return { kind: 'json', data: { task_status: 'Processing' }, records: 0 };
      complete(task, ctx);
      return { kind: 'json', data: { task_status: 'Completed' }, records: 0 };
    }),

    endpoint('/v2/research/validation_task/download/', (ctx) => {
      const [id, task] = findTask(ctx);
      if (task.valid === undefined && task.polls < services.complianceTaskPolls) {
        throw invalidParams(`task ${id} is still processing; poll /v2/research/validation_task_status/get/ until it is Completed`);
      }
      const valid = complete(task, ctx);
      return { kind: 'text', text: valid.map((v) => `${v}\n`).join(''), records: 0 };
    }),
  ];
}

/** One id per line; blank lines ignored; 1 to 10,000 ids. */
function parseIdFile(text: string): string[] {
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const id = line.trim();
    if (id === '') return;
    if (!/^\d{1,20}$/.test(id)) throw badFile(`line ${i + 1} of file_data is not an id: ${JSON.stringify(id.slice(0, 40))}`);
    ids.push(id);
  });
  if (ids.length === 0) throw badFile('file_data holds no ids: put one id per line');
  if (ids.length > MAX_IDS_PER_TASK) throw badFile(`file_data holds ${ids.length} ids; a task takes at most ${MAX_IDS_PER_TASK}`);
  return ids;
}

async function readMultipart(headers: IncomingHttpHeaders, body: Buffer): Promise<{ fields: Record<string, string>; files: Record<string, Buffer> }> {
  if (!/^multipart\/form-data/i.test(headers['content-type'] ?? '')) {
    throw badFile('send multipart/form-data with a file part "file_data" and a field "category"');
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Record<string, Buffer> = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { files: 1, fileSize: MAX_FILE_BYTES } });
    } catch (error) {
      reject(badFile(`the multipart body cannot be read: ${(error as Error).message}`));
      return;
    }
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => reject(badFile(`file_data is larger than ${MAX_FILE_BYTES} bytes`)));
      stream.on('close', () => (files[name] = Buffer.concat(chunks)));
    });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('close', () => resolve({ fields, files }));
    parser.on('error', (error) => reject(badFile(`the multipart body cannot be read: ${(error as Error).message}`)));
    parser.end(body);
  });
}
