// Project-specific facts about docker-compose.yml that the compose schema cannot
// see: cross references, the worker's wiring and pinned images. Returns one
// readable line per violation so a test can show them all at once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

type Dict = Record<string, unknown>;

const SERVER_IMAGE = 'temporalio/server';
const UI_IMAGE = 'temporalio/ui';
const WORKER = 'worker';
const SECRETS_DIR = '/run/secrets';
const PROMETHEUS_IMAGE = 'prom/prometheus';
const PROMETHEUS_CONFIG = 'deploy/prometheus/prometheus.yml';

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dict(value: unknown): Dict {
  return isDict(value) ? value : {};
}

/** environment / depends_on may be written as a list or a map; both become a map. */
function environmentOf(service: Dict): Dict {
  const env = service.environment;
  if (!Array.isArray(env)) return dict(env);
  return Object.fromEntries(
    env.map((entry) => {
      const [key, ...rest] = String(entry).split('=');
      return [key, rest.join('=')];
    }),
  );
}

function dependsOn(service: Dict): Dict {
  const deps = service.depends_on;
  if (!Array.isArray(deps)) return dict(deps);
  return Object.fromEntries(deps.map((name) => [String(name), { condition: 'service_started' }]));
}

function imageName(image: string): string {
  return image.replace(/:[^/:]*$/, '');
}

/** Tag after the last ':' of the last path segment ('' when there is none). */
function imageTag(image: string): string {
  const last = image.split('/').pop() ?? '';
  return last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
}

function servicesWithImage(services: Dict, name: string): string[] {
  return Object.keys(services).filter((key) => imageName(String(dict(services[key]).image ?? '')) === name);
}

export function composeFactViolations(compose: unknown, repoRoot: string): string[] {
  const problems: string[] = [];
  const top = dict(compose);
  const services = dict(top.services);
  const declaredVolumes = dict(top.volumes);
  const declaredSecrets = dict(top.secrets);

  for (const [name, raw] of Object.entries(services)) {
    const service = dict(raw);
    if (typeof service.image === 'string') {
      const tag = imageTag(service.image);
      if (tag === '' || tag === 'latest') problems.push(`service ${name}: image ${service.image} must be pinned to a version tag`);
    }
    for (const dep of Object.keys(dependsOn(service))) {
      if (!(dep in services)) problems.push(`service ${name}: depends_on names unknown service ${dep}`);
    }
    for (const volume of Array.isArray(service.volumes) ? service.volumes : []) {
      const source = typeof volume === 'string' ? volume.split(':')[0] : String(dict(volume).source ?? '');
      if (source.startsWith('.') || source.startsWith('/')) {
        if (!existsSync(path.resolve(repoRoot, source))) problems.push(`service ${name}: bind mount source ${source} does not exist`);
      } else if (!(source in declaredVolumes)) {
        problems.push(`service ${name}: named volume ${source} is not declared under top-level volumes`);
      }
    }
    for (const secret of Array.isArray(service.secrets) ? service.secrets : []) {
      const source = typeof secret === 'string' ? secret : String(dict(secret).source ?? '');
      if (!(source in declaredSecrets)) problems.push(`service ${name}: secret ${source} is not declared under top-level secrets`);
    }
  }

  const [temporal, ...extraServers] = servicesWithImage(services, SERVER_IMAGE);
  if (!temporal || extraServers.length > 0) {
    problems.push(`expected exactly one ${SERVER_IMAGE} service`);
    return problems;
  }
  const temporalAddress = `${temporal}:7233`;

  const uis = servicesWithImage(services, UI_IMAGE);
  if (uis.length === 0) problems.push(`no ${UI_IMAGE} service`);
  for (const ui of uis) {
    const service = dict(services[ui]);
    if (!(temporal in dependsOn(service))) problems.push(`service ${ui}: must depend on ${temporal}`);
    if (environmentOf(service).TEMPORAL_ADDRESS !== temporalAddress) problems.push(`service ${ui}: TEMPORAL_ADDRESS must be ${temporalAddress}`);
  }

  const worker = dict(services[WORKER]);
  const build = worker.build;
  const context = typeof build === 'string' ? build : String(dict(build).context ?? '');
  const dockerfile = isDict(build) && typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
  if (path.resolve(repoRoot, context, dockerfile) !== path.resolve(repoRoot, 'Dockerfile')) {
    problems.push(`service ${WORKER}: must build from ./Dockerfile with the repository as context`);
  }
  const env = environmentOf(worker);
  if (env.TEMPORAL_ADDRESS !== temporalAddress) problems.push(`service ${WORKER}: TEMPORAL_ADDRESS must be ${temporalAddress}`);
  if (!env.TEMPORAL_NAMESPACE) problems.push(`service ${WORKER}: TEMPORAL_NAMESPACE must be set`);
  if (!(temporal in dependsOn(worker))) problems.push(`service ${WORKER}: must depend on ${temporal}`);

  const secretTargets = (Array.isArray(worker.secrets) ? worker.secrets : []).map((secret) =>
    typeof secret === 'string' ? secret : String(dict(secret).target ?? dict(secret).source),
  );
  const secretsFile = String(env.WA_SECRETS_FILE ?? '');
  if (!secretTargets.some((target) => path.posix.resolve(SECRETS_DIR, target) === secretsFile)) {
    problems.push(`service ${WORKER}: WA_SECRETS_FILE (${secretsFile || 'unset'}) must be the path of a secret mounted into it`);
  }
  problems.push(...metricsViolations(services, env, repoRoot));
  return problems;
}

/** The worker serves /metrics and /readyz on WA_METRICS_PORT; its healthcheck and Prometheus use that port. */
function metricsViolations(services: Dict, workerEnv: Dict, repoRoot: string): string[] {
  const problems: string[] = [];
  const port = String(workerEnv.WA_METRICS_PORT ?? '');
  if (!/^\d+$/.test(port)) return [`service ${WORKER}: WA_METRICS_PORT must be set (metrics and health endpoints)`];
  const test = dict(dict(services[WORKER]).healthcheck).test;
  const command = Array.isArray(test) ? test.join(' ') : String(test ?? '');
  if (!command.includes(`:${port}/readyz`)) problems.push(`service ${WORKER}: healthcheck must ask /readyz on port ${port}`);

  const [prometheus] = servicesWithImage(services, PROMETHEUS_IMAGE);
  if (!prometheus) return [...problems, `no ${PROMETHEUS_IMAGE} service`];
  const mounts = (Array.isArray(dict(services[prometheus]).volumes) ? dict(services[prometheus]).volumes as unknown[] : []).map(String);
  if (!mounts.some((m) => path.resolve(repoRoot, m.split(':')[0]) === path.resolve(repoRoot, PROMETHEUS_CONFIG))) {
    problems.push(`service ${prometheus}: must mount ./${PROMETHEUS_CONFIG}`);
  }
  const config = existsSync(path.join(repoRoot, PROMETHEUS_CONFIG)) ? dict(parse(readFileSync(path.join(repoRoot, PROMETHEUS_CONFIG), 'utf8'))) : {};
  const jobs = (Array.isArray(config.scrape_configs) ? config.scrape_configs : []).map(dict);
  const scrapesWorker = jobs.some((job) =>
    (Array.isArray(job.dns_sd_configs) ? job.dns_sd_configs : []).map(dict).some((sd) =>
      Array.isArray(sd.names) && sd.names.includes(WORKER) && String(sd.port) === port));
  if (!scrapesWorker) problems.push(`${PROMETHEUS_CONFIG}: no job scrapes every ${WORKER} replica on port ${port} (dns_sd_configs)`);
  return problems;
}
