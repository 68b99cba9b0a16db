// One embedded test database: an in-memory PGlite served on a loopback port, in a worker thread of jest's main process
// (test/support/global-setup.ts starts one per jest worker). Each database has a thread of its own so that the
// databases of parallel test files do not take turns on one JavaScript thread. Plain JavaScript: worker threads run
// outside jest's transform.
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const db = await PGlite.create();
const socket = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
await socket.start();
parentPort.on('message', async (message) => {
  if (message !== 'stop') return;
  await socket.stop();
  await db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
parentPort.postMessage({ conn: socket.getServerConn() });
