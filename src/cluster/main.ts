import { join } from 'node:path';
import { PROJECT_ROOT } from '../temporal/cli';
import { startCluster } from './cluster';

/**
 * `npm run cluster`: the production topology on this machine (PostgreSQL, the Temporal server on
 * it, the Temporal UI, two workers), to try what docker-compose.yml describes without Docker.
 * Ctrl-C stops the workers (they drain), then the UI, the server and PostgreSQL. Data stays in
 * .data/cluster, so integrations carry on at the next start.
 */
async function main(): Promise<void> {
  const folder = process.env.WA_CLUSTER_DIR ?? join(PROJECT_ROOT, '.data', 'cluster');
  const workers = Number(process.env.WA_CLUSTER_WORKERS ?? 2);
  console.log(`Starting the cluster in ${folder} …`);
  const cluster = await startCluster({ folder, workers, report: (line) => console.log(line) });
  console.log(`\nReady. Logs in ${folder}; the ops CLI against this cluster:\n  TEMPORAL_ADDRESS=${cluster.server.address} npm run wa-outlook -- list\nCtrl-C stops everything.`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping: workers, UI, Temporal server, PostgreSQL …');
    await cluster.stop();
    console.log('Stopped.');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A worker that dies on its own is reported; the others go on.
  for (const worker of cluster.workers) {
    worker.process.child.once('exit', (code, signal) => {
      if (!stopping) console.error(`${worker.process.name} exited (${signal ?? code}); the other workers take over its work.`);
    });
  }
}

main().catch((err) => {
  console.error((err as Error).message);
  process.exit(1);
});
