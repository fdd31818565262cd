'use strict';
/**
 * Worker-thread entry of the local S3 (see s3-local.ts): s3rver behind our own http.Server, on its own event loop,
 * so its request handling (Koa, signature checks, file writes) runs beside the SDK clients instead of taking
 * turns with them. Plain CommonJS: worker threads get no TypeScript loader under jest.
 *
 * workerData: { directory, port, buckets }.
 * Messages out: { type: 'listening', port } | { type: 'failed', code, message }.
 * Messages in: { type: 'stop' } -> closes the server (and its keep-alive sockets), then the thread exits
 * (exit code 0; 1 when close failed). After 'failed' the main thread terminates the worker.
 */
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { installDesShim } = require('./des-shim.cjs');

installDesShim();
const S3rver = require('s3rver');

async function main() {
  const { directory, port, buckets } = workerData;
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  await s3rver.configureBuckets();
  // Our own server around s3rver's Koa callback: s3rver.run() has no 'error' listener.
  const server = http.createServer(s3rver.callback());
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      // Requests in flight at shutdown must not end the thread with an error.
      server.on('error', () => undefined);
      resolve();
    });
  });
  parentPort.on('message', (message) => {
    if (message && message.type === 'stop') {
      server.close((error) => process.exit(error ? 1 : 0));
      // Idle keep-alive sockets of SDK clients would otherwise hold close() open.
      server.closeAllConnections();
    }
  });
  parentPort.postMessage({ type: 'listening', port: server.address().port });
}

main().catch((error) => {
  parentPort.postMessage({ type: 'failed', code: error && error.code, message: error && error.message ? error.message : String(error) });
});
