// docker-compose.yml cannot be run here (no Docker engine), so it is checked
// statically: dclint validates it against the Compose Specification JSON schema
// (bundled in the package) and applies its error rules; composeFactViolations
// checks this project's wiring. Each check is also run on broken copies to show
// that it catches what it claims to.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DCLinter } from 'dclint';
import { parse, stringify } from 'yaml';
import { composeFactViolations } from './compose-facts';

const repoRoot = path.resolve(__dirname, '../../..');
const composeFile = path.join(repoRoot, 'docker-compose.yml');
const scriptsDir = path.join(repoRoot, 'deploy/temporal/scripts');

type Compose = { services: Record<string, Record<string, any>> } & Record<string, any>;

/** Errors only: dclint's style rules (key order, sorting) are advice, not breakage. */
function lintErrors(file: string): { rule: string; message: string }[] {
  const linter = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] });
  return linter
    .lintFiles([file], false)
    .flatMap((result) => result.messages)
    .filter((message) => message.type === 'error')
    .map(({ rule, message }) => ({ rule, message }));
}

function loadCompose(): Compose {
  return parse(readFileSync(composeFile, 'utf8'), { merge: true }) as Compose;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification and passes dclint error rules', () => {
    assert.deepEqual(lintErrors(composeFile), []);
  });

  it('wires the worker, the UI and the server together as the project needs', () => {
    assert.deepEqual(composeFactViolations(loadCompose(), repoRoot), []);
  });

  it('runs setup scripts that are valid sh and register the project search attributes', () => {
    const scripts = readdirSync(scriptsDir).filter((name) => name.endsWith('.sh'));
    assert.deepEqual(scripts.sort(), ['create-namespace.sh', 'setup-schema.sh']);
    for (const script of scripts) {
      const check = spawnSync('sh', ['-n', path.join(scriptsDir, script)], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${script}: ${check.stderr}`);
    }
    const namespaceScript = readFileSync(path.join(scriptsDir, 'create-namespace.sh'), 'utf8');
    for (const attribute of ['WaCustomerId', 'WaIntegrationStatus', 'WaErrorCode']) {
      assert.match(namespaceScript, new RegExp(`--name ${attribute} --type Keyword`));
    }
  });

  it('points the server at a dynamic config file that exists and is well-formed', () => {
    const temporal = loadCompose().services.temporal;
    const configPath = String(temporal.environment.DYNAMIC_CONFIG_FILE_PATH);
    const file = path.join(repoRoot, 'deploy/temporal/dynamicconfig', path.basename(configPath));
    const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const [key, values] of Object.entries(config)) {
      assert.ok(Array.isArray(values) && values.every((v) => v && typeof v === 'object' && 'value' in v), `${key}: expected a list of {value, constraints}`);
    }
  });
});

describe('Dockerfile', () => {
  it('runs the compiled worker as a non-root user in its final stage', () => {
    const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));
    assert.match(finalStage, /^FROM node:20-bookworm-slim\s*$/m);
    assert.match(finalStage, /^USER (?!root\b|0\b)\S+\s*$/m);
    assert.match(finalStage, /^CMD \["node", "lib\/src\/worker\.js"\]\s*$/m);
  });
});

describe('compose checks on broken copies', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wa-compose-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function lintBroken(name: string, mutate: (compose: Compose) => void) {
    const compose = loadCompose();
    mutate(compose);
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(file, stringify(compose));
    return lintErrors(file).map((error) => error.rule);
  }

  function factsBroken(mutate: (compose: Compose) => void): string[] {
    const compose = loadCompose();
    mutate(compose);
    return composeFactViolations(compose, repoRoot);
  }

  it('schema: rejects an unknown depends_on condition', () => {
    const rules = lintBroken('bad-condition', (c) => {
      c.services.worker.depends_on.temporal.condition = 'service_ready';
    });
    assert.deepEqual(rules, ['invalid-schema']);
  });

  it('schema: rejects a misspelt service key', () => {
    const rules = lintBroken('bad-key', (c) => {
      c.services.postgresql.healthchek = c.services.postgresql.healthcheck;
    });
    assert.deepEqual(rules, ['invalid-schema']);
  });

  it('schema: rejects env_file with path/required written as a map instead of a list', () => {
    const rules = lintBroken('env-file-map', (c) => {
      c.services.worker.env_file = { path: '.env', required: false };
    });
    assert.deepEqual(rules, ['invalid-schema']);
  });

  it('dclint and facts: reject an image on latest', () => {
    const mutate = (c: Compose) => {
      c.services.temporal.image = 'temporalio/server:latest';
    };
    assert.deepEqual(lintBroken('latest', mutate), ['service-image-require-explicit-tag']);
    assert.deepEqual(factsBroken(mutate), ['service temporal: image temporalio/server:latest must be pinned to a version tag']);
  });

  it('facts: reject a worker that does not reach the temporal service', () => {
    assert.deepEqual(
      factsBroken((c) => {
        c.services.worker.environment.TEMPORAL_ADDRESS = 'localhost:7233';
      }),
      ['service worker: TEMPORAL_ADDRESS must be temporal:7233'],
    );
  });

  it('facts: reject a worker built from another Dockerfile', () => {
    assert.deepEqual(
      factsBroken((c) => {
        c.services.worker.build = { context: '.', dockerfile: 'Dockerfile.dev' };
      }),
      ['service worker: must build from ./Dockerfile with the repository as context'],
    );
  });

  it('facts: reject a UI that does not depend on temporal', () => {
    assert.deepEqual(
      factsBroken((c) => {
        delete c.services['temporal-ui'].depends_on;
      }),
      ['service temporal-ui: must depend on temporal'],
    );
  });

  it('facts: reject WA_SECRETS_FILE that is not a mounted secret, and undeclared references', () => {
    assert.deepEqual(
      factsBroken((c) => {
        c.services.worker.environment.WA_SECRETS_FILE = '/run/secrets/other.json';
        c.services.worker.depends_on.temporl = { condition: 'service_healthy' };
        delete c.volumes;
      }),
      [
        'service postgresql: named volume postgres-data is not declared under top-level volumes',
        'service worker: depends_on names unknown service temporl',
        'service worker: WA_SECRETS_FILE (/run/secrets/other.json) must be the path of a secret mounted into it',
      ],
    );
  });
});
