import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnProcess, waitFor, type ClusterProcess } from './process';

/**
 * A PostgreSQL server of the cluster's own: Debian's binaries, a data folder under the project's
 * git-ignored .data/, loopback TCP only, no Unix socket, so it neither needs nor disturbs the
 * system's PostgreSQL service. As root it runs as the `postgres` user (PostgreSQL refuses root).
 * The superuser is `temporal`, as in docker-compose.yml, with a password made on first start.
 */

export const POSTGRES_USER = 'temporal';

export interface Postgres {
  port: number;
  user: string;
  password: string;
  process: ClusterProcess;
  /** Runs one statement with psql and returns its rows, fields separated by `|`. */
  query(sql: string, database?: string): string[];
  stop(): Promise<void>;
}

const SERVICE_USER = 'postgres';
const asRoot = () => process.getuid?.() === 0;

/** Runs `command` as the postgres user when we are root (setpriv execs it: the pid stays the server's). */
function asServiceUser(command: string, args: string[]): [string, string[]] {
  if (!asRoot()) return [command, args];
  return ['setpriv', ['--reuid', SERVICE_USER, '--regid', SERVICE_USER, '--init-groups', '--', command, ...args]];
}

function serviceIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, SERVICE_USER], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

function initialise(bin: string, dataDir: string, password: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwFile = join(dataDir, '..', 'initdb-password');
  writeFileSync(pwFile, password, { mode: 0o600 });
  if (asRoot()) {
    const { uid, gid } = serviceIds();
    chownSync(dataDir, uid, gid);
    chownSync(pwFile, uid, gid);
  }
  const [command, args] = asServiceUser(join(bin, 'initdb'), [
    '-D', dataDir, '-U', POSTGRES_USER, `--pwfile=${pwFile}`, '--auth-host=scram-sha-256', '--auth-local=peer', '-E', 'UTF8', '--locale=C',
  ]);
  try {
    execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } finally {
    rmSync(pwFile, { force: true });
  }
}

export async function startPostgres(options: { bin: string; folder: string; port: number; logFile?: string }): Promise<Postgres> {
  const dataDir = join(options.folder, 'data');
  const passwordFile = join(options.folder, 'password');
  mkdirSync(options.folder, { recursive: true });
  // The folder must be reachable by the postgres user; its contents stay private to it.
  if (asRoot()) execFileSync('chmod', ['755', options.folder]);
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  if (!existsSync(join(dataDir, 'PG_VERSION'))) initialise(options.bin, dataDir, password);

  const [command, args] = asServiceUser(join(options.bin, 'postgres'), [
    '-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    '-c', 'max_connections=200',
  ]);
  const proc = spawnProcess('postgresql', command, args, { logFile: options.logFile ?? join(options.folder, 'postgres.log') });
  const env = { ...process.env, PGPASSWORD: password };
  const query = (sql: string, database = 'postgres') =>
    execFileSync(join(options.bin, 'psql'), ['-h', '127.0.0.1', '-p', String(options.port), '-U', POSTGRES_USER, '-d', database, '-AtX', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'],
    }).split('\n').filter(Boolean);
  await waitFor(proc, 'answer to queries', async () => query('select 1')[0] === '1');
  // SIGINT is PostgreSQL's fast shutdown: open sessions are ended, then a clean checkpoint.
  return { port: options.port, user: POSTGRES_USER, password, process: proc, query, stop: () => proc.stop('SIGINT') };
}
