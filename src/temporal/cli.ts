import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/**
 * Finds the Temporal CLI (which embeds the dev server and its web UI), in this order:
 * TEMPORAL_CLI_PATH; `temporal` on PATH; the copy this project built earlier in .tools/bin;
 * a fresh build of a pinned release from the Go module proxy when `go` is present; else none,
 * and @temporalio/testing downloads its default where the internet is reachable.
 */

/** v1.6.0 and later carry a `replace` directive in go.mod, which `go install pkg@version` refuses. */
export const PINNED_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export const PROJECT_ROOT = resolve(__dirname, '..', '..', '..');
export const PROJECT_BIN = join(PROJECT_ROOT, '.tools', 'bin');

export type TemporalCli =
  | { source: 'env' | 'path' | 'project-build' | 'fresh-build'; path: string; version: string }
  | { source: 'download'; path?: undefined; version: 'default' };

export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function versionOf(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}

/**
 * `go install MODULE@VERSION` into GOBIN (a git-ignored folder of the project); false without Go.
 * CGO off: Temporal's binaries are pure Go, as their release builds are.
 */
export function goInstall(module: string, gobin: string): boolean {
  const go = onPath('go');
  if (!go) return false;
  mkdirSync(gobin, { recursive: true });
  process.stderr.write(`Building ${module} with ${go} (first time only; takes a few minutes)…\n`);
  const result = spawnSync(go, ['install', module], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
  });
  if (result.status !== 0) throw new Error(`Building ${module} failed (exit ${result.status}).`);
  return true;
}

function buildPinnedRelease(): string | undefined {
  const built = join(PROJECT_BIN, 'temporal');
  const advice = 'Set TEMPORAL_CLI_PATH to an installed Temporal CLI instead.';
  try {
    if (!goInstall(PINNED_CLI_MODULE, PROJECT_BIN)) return undefined;
  } catch (err) {
    throw new Error(`${(err as Error).message} ${advice}`, { cause: err });
  }
  if (!existsSync(built)) throw new Error(`Building ${PINNED_CLI_MODULE} left no ${built}. ${advice}`);
  return built;
}

export function findTemporalCli(options: { build: boolean } = { build: true }): TemporalCli {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist; point it at the temporal executable or unset it.`);
    return { source: 'env', path: fromEnv, version: versionOf(fromEnv) };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { source: 'path', path: fromPath, version: versionOf(fromPath) };
  const projectBuild = join(PROJECT_BIN, 'temporal');
  if (existsSync(projectBuild)) return { source: 'project-build', path: projectBuild, version: versionOf(projectBuild) };
  const fresh = options.build ? buildPinnedRelease() : undefined;
  if (fresh) return { source: 'fresh-build', path: fresh, version: versionOf(fresh) };
  return { source: 'download', version: 'default' };
}

export function describeCli(cli: TemporalCli): string {
  return cli.source === 'download'
    ? 'Temporal CLI: none found and no Go toolchain; @temporalio/testing will download its default (needs internet)'
    : `Temporal CLI: ${cli.path} (${cli.source}), ${cli.version}`;
}

if (require.main === module) {
  try {
    console.log(describeCli(findTemporalCli()));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}
