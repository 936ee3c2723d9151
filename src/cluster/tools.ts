import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli, goInstall, onPath, PROJECT_ROOT } from '../temporal/cli';

/**
 * What `npm run cluster` and `npm run test:cluster` run, obtained like the Temporal CLI: an
 * installed copy when there is one, else built once from the Go module proxy into git-ignored
 * .tools/ folders (per version, so a bump rebuilds), and Debian's PostgreSQL through apt.
 * Every step is a no-op when its result is already there.
 */

/** The server release paired with the pinned CLI v1.5.1; its go.mod has no replace directive. */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** The UI release the pinned CLI embeds (its go.mod), also docker-compose.yml's temporalio/ui tag; v2.34.0 had a replace directive. */
export const TEMPORAL_UI_VERSION = 'v2.42.1';

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

export interface ClusterTools {
  postgresBin: string;
  server: string;
  sqlTool: string;
  /** Temporal's PostgreSQL schema folder (…/schema/postgresql/v12) matching the server. */
  schemaDir: string;
  /** The Temporal CLI, which create-namespace.sh uses. */
  cli: string;
  /** Undefined when the UI server cannot be built here (the reason is logged). */
  uiServer?: string;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/N/bin). */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}

export function obtainPostgres(): string {
  const found = process.env.WA_POSTGRES_BIN ?? postgresBinDir();
  if (found) return found;
  aptInstall('postgresql', 'PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin. Install them (Debian: apt-get install postgresql) or set WA_POSTGRES_BIN to the folder holding initdb and postgres.');
  const installed = postgresBinDir();
  if (!installed) throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb appeared.');
  return installed;
}

/** Installs a Debian package with apt-get when running as root (as CI does); else throws `otherwise`. */
export function aptInstall(debianPackage: string, otherwise: string): void {
  if (!onPath('apt-get') || process.getuid?.() !== 0) throw new Error(otherwise);
  log(`Installing ${debianPackage} with apt-get (first time only)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', debianPackage]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status}).`);
  }
}

/** The module's folder in Go's module cache (downloaded if needed), for files that are not binaries. */
function moduleDir(moduleAtVersion: string): string {
  const out = execFileSync('go', ['mod', 'download', '-json', moduleAtVersion], { encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
  return (JSON.parse(out) as { Dir: string }).Dir;
}

/** An executable from the environment, else PATH, else built from `module@version` into `folder`. */
function obtainBinary(envVar: string, pathName: string, folder: string, module: string, builtName: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv} does not exist; point it at the executable or unset it.`);
    return fromEnv;
  }
  const fromPath = onPath(pathName);
  if (fromPath) return fromPath;
  const built = join(folder, builtName);
  if (!existsSync(built) && !goInstall(module, folder)) {
    throw new Error(`${pathName} not found and no Go toolchain to build ${module}: install Go ≥ 1.25, or set ${envVar}.`);
  }
  return built;
}

export function obtainClusterTools(): ClusterTools {
  const postgresBin = obtainPostgres();
  const serverFolder = join(PROJECT_ROOT, '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const server = obtainBinary('TEMPORAL_SERVER_PATH', 'temporal-server', serverFolder, `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, 'server');
  const sqlTool = obtainBinary('TEMPORAL_SQL_TOOL_PATH', 'temporal-sql-tool', serverFolder, `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`, 'sql');
  const schemaDir = process.env.TEMPORAL_SCHEMA_DIR ?? join(serverFolder, 'schema', 'postgresql', 'v12');
  if (!existsSync(schemaDir)) {
    cpSync(join(moduleDir(`${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`), 'schema', 'postgresql', 'v12'), schemaDir, { recursive: true });
  }
  const cli = findTemporalCli({ build: true });
  if (!cli.path) throw new Error('The Temporal CLI is needed to register the namespace: set TEMPORAL_CLI_PATH or install Go ≥ 1.25.');
  let uiServer: string | undefined;
  try {
    const uiFolder = join(PROJECT_ROOT, '.tools', `temporal-ui-${TEMPORAL_UI_VERSION}`);
    uiServer = obtainBinary('TEMPORAL_UI_SERVER_PATH', 'temporal-ui-server', uiFolder, `${UI_MODULE}/cmd/server@${TEMPORAL_UI_VERSION}`, 'server');
  } catch (err) {
    log(`Temporal UI server unavailable, running without it: ${(err as Error).message}`);
  }
  return { postgresBin, server, sqlTool, schemaDir, cli: cli.path, uiServer };
}

if (require.main === module) {
  try {
    console.log(JSON.stringify(obtainClusterTools(), null, 2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
