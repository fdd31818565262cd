/**
 * What `steward serve` leaves in the state dir so other `--local` commands attach to its services instead of starting
 * their own (lib/local/services.ts):
 * - `.local-services.json`: the serving pid and the ports of DynamoDB Local and S3. At stop the pid becomes null and
 *   the ports stay, so the next serve of the state dir takes the same ports again (when they are free);
 * - `.local-command.lock`: the pid of the one command attached at a time. Commands on a state dir run one at a time,
 *   as they do without serve (a run still `running` when the next command starts counts as interrupted).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as z from 'zod';

import { LocalServiceError } from './errors';

export const SERVED_FILE = '.local-services.json';
export const COMMAND_LOCK_FILE = '.local-command.lock';

const Port = z.number().int().min(1).max(65_535);
const ServedSchema = z.object({
  /** The serving process, or null once it stopped. */
  pid: z.number().int().positive().nullable(),
  dynamoPort: Port,
  s3Port: Port,
  dynamoPid: z.number().int().positive().optional(),
  dynamoVersion: z.string().optional(),
  dbPath: z.string().optional(),
  s3Directory: z.string(),
});
export type Served = z.infer<typeof ServedSchema>;

/** The state dir's served-services record; undefined when there is none or it is unreadable (never trusted blindly). */
export function readServed(stateDir: string): Served | undefined {
  try {
    const parsed = ServedSchema.safeParse(JSON.parse(readFileSync(path.join(stateDir, SERVED_FILE), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The record of a live serve (its pid running; this process's own too), else undefined. */
export function liveServer(stateDir: string): (Served & { pid: number }) | undefined {
  const served = readServed(stateDir);
  if (!served || served.pid === null || !isRunning(served.pid)) return undefined;
  return served as Served & { pid: number };
}

/** Advertise this process's services; returns the function that marks them stopped (keeping the ports). */
export function advertise(stateDir: string, served: Served): () => void {
  const write = (record: Served) => {
    const file = path.join(stateDir, SERVED_FILE);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(temp, file);
  };
  write(served);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    try {
      if (readServed(stateDir)?.pid === served.pid) write({ ...served, pid: null });
    } catch {
      // the state dir is gone: nothing to keep
    }
  };
}

/** The ports of the previous serve of this state dir, each when it is free now (else undefined: a free port). */
export async function previousPorts(stateDir: string): Promise<{ dynamo?: number; s3?: number }> {
  const served = readServed(stateDir);
  if (!served || (served.pid !== null && isRunning(served.pid) && served.pid !== process.pid)) return {};
  const [dynamo, s3] = await Promise.all([portIsFree(served.dynamoPort), portIsFree(served.s3Port)]);
  return { ...(dynamo ? { dynamo: served.dynamoPort } : {}), ...(s3 ? { s3: served.s3Port } : {}) };
}

/** Whether `port` can be bound on every interface now (DynamoDB Local binds the wildcard address). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Take the state dir's command lock for this process (one attached command at a time). Throws a LocalServiceError
 * naming the other command when one is running; a lock left by a process that is gone is taken over.
 */
export function lockCommand(stateDir: string, serverPid: number): () => void {
  const lockFile = path.join(stateDir, COMMAND_LOCK_FILE);
  return takePidLock(
    lockFile,
    (owner) =>
      `another steward command (process ${owner}) is running on the services that steward serve (process ${serverPid}) keeps for ${stateDir}; ` +
      `commands on one state dir run one at a time: wait for it, or use another --state-dir. If no such process is running, delete ${lockFile}.`,
    `could not lock ${lockFile} (delete it and retry)`,
  );
}

/**
 * Take `lockFile` for this process: it holds the owner's pid. A lock left by a process that is gone is taken over;
 * one held by a running process throws a LocalServiceError with `busy(owner)`. Returns the (idempotent) release,
 * which removes the file only while it still holds this process's pid.
 */
export function takePidLock(lockFile: string, busy: (owner: number) => string, cannotLock: string): () => void {
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, mine, { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(lockFile, 'utf8') === mine) rmSync(lockFile, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
      if (Number.isInteger(owner) && owner > 0 && isRunning(owner)) throw new LocalServiceError(busy(owner));
      rmSync(lockFile, { force: true });
    }
  }
  throw new LocalServiceError(cannotLock);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
