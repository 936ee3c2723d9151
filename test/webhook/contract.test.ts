import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import pino from 'pino';
import ts from 'typescript';
import { startIntegration } from '../../src/ops/integrations';
import { expectedContractFiles, GUIDE_FILE, OPENAPI_FILE } from '../../src/webhook/contract';
import { NOTIFICATION_EXAMPLES, SIGNING_EXAMPLE } from '../../src/webhook/examples';
import { OPENAPI_PATH, WEBHOOK_PATH, webhookOpenApiDocument } from '../../src/webhook/openapi';
import { startWebhookServer } from '../../src/webhook/server';
import { sign } from '../../src/webhook/signature';
import { integrationWorkflowId } from '../../src/workflows/messages';
import { temporalEnv } from '../support/temporal';
import { openApiCheck, type OpenApiCheck } from './openapi-check';

const ROOT = join(__dirname, '..', '..', '..');
const guide = () => readFileSync(join(ROOT, GUIDE_FILE), 'utf8');

/** The first fenced code block after `marker` in the guide: what a reader copies. */
function blockAfter(markdown: string, marker: string): string {
  const at = markdown.indexOf(marker);
  assert.ok(at >= 0, `${GUIDE_FILE} has no ${marker}`);
  const block = /```\w*\n([\s\S]*?)\n```/.exec(markdown.slice(at));
  assert.ok(block, `${GUIDE_FILE} has no code block after ${marker}`);
  return block[1];
}

const documentedExample = (name: string) => JSON.parse(blockAfter(guide(), `<!-- contract:example:${name} -->`)) as Record<string, unknown>;

function signed(secret: string, raw: string, timestamp = Math.floor(Date.now() / 1000)): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', 'x-wa-timestamp': String(timestamp), 'x-wa-signature': sign(secret, timestamp, raw) }, body: raw };
}

const urlOf = (server: Server, path: string) => `http://127.0.0.1:${(server.address() as { port: number }).port}${path}`;

/** Counts the HTTP requests a server receives, so a test sees how often a sender tried. */
function requestCounter(server: Server): () => number {
  let count = 0;
  server.on('request', () => (count += 1));
  return () => count;
}

/** A real webhook whose Temporal client talks gRPC to a port nobody listens on, without the client's own retries. */
async function webhookWithoutTemporal(secret: string): Promise<{ server: Server; close(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((resolve) => probe.close(resolve));
  const connection = Connection.lazy({ address, interceptors: [] });
  const server = await startWebhookServer({ client: new Client({ connection }), taskQueue: 'unused', secret, port: 0, logger: pino({ level: 'silent' }) });
  return {
    server,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await connection.close();
    },
  };
}

describe('the webhook contract (docs/webhook.md, docs/webhook.openapi.json)', function () {
  this.timeout(120_000);

  it('the committed document and guide are what the code generates (else: npm run contract)', () => {
    for (const [path, expected] of Object.entries(expectedContractFiles(ROOT))) {
      const committed = readFileSync(join(ROOT, path), 'utf8');
      assert.ok(committed === expected, `${path} differs from the code (the zod schema, ANSWERS or the examples); run: npm run contract`);
    }
  });

  it('the document is valid OpenAPI 3.1, and every documented example and answer matches it', async () => {
    const check = await openApiCheck(webhookOpenApiDocument());
    for (const name of Object.keys(NOTIFICATION_EXAMPLES)) check.requestBody(WEBHOOK_PATH, 'post', documentedExample(name));
    const { paths } = JSON.parse(readFileSync(join(ROOT, OPENAPI_FILE), 'utf8')) as { paths: Record<string, { post?: { responses: Record<string, { content: Record<string, { example: unknown }> }> } }> };
    for (const [status, declared] of Object.entries(paths[WEBHOOK_PATH].post!.responses)) {
      const body = JSON.stringify(declared.content['application/json'].example);
      check.answer(WEBHOOK_PATH, 'post', { status: Number(status), contentType: 'application/json', body });
    }
  });

  it('the fixed signing example in the guide is what the webhook computes', () => {
    const block = blockAfter(guide(), '<!-- contract:signing -->');
    const documented = /X-WA-Signature: (sha256=[0-9a-f]{64})/.exec(guide().slice(guide().indexOf('<!-- contract:signing -->')));
    assert.ok(documented, 'the signing example shows no signature');
    assert.deepEqual(JSON.parse(block), NOTIFICATION_EXAMPLES[SIGNING_EXAMPLE.example].value);
    assert.equal(documented[1], sign(SIGNING_EXAMPLE.secret, SIGNING_EXAMPLE.timestamp, block));
  });

  describe('through the real webhook and a real Temporal server', () => {
    const secret = randomBytes(24).toString('hex');
    const customerId = String(NOTIFICATION_EXAMPLES.timed.value.customerId);
    let client: Client;
    let webhook: Server;
    let requests: () => number;
    let check: OpenApiCheck;

    /** POSTs to the webhook and checks the answer against the OpenAPI document. */
    async function post(init: RequestInit, server = webhook): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await fetch(urlOf(server, WEBHOOK_PATH), init);
      const text = await response.text();
      const body = check.answer(WEBHOOK_PATH, 'post', { status: response.status, contentType: response.headers.get('content-type'), body: text });
      return { status: response.status, body: body as Record<string, unknown> };
    }

    async function signalsReceived(): Promise<number> {
      const history = await client.workflow.getHandle(integrationWorkflowId(customerId)).fetchHistory();
      return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'eventChanged').length;
    }

    before(async () => {
      ({ client } = (await temporalEnv()).env);
      check = await openApiCheck(webhookOpenApiDocument());
      // The examples' customer, running on a task queue no worker polls: a 202 then means exactly
      // "recorded as a signal in the integration's history", which the tests read back.
      await terminate();
      await startIntegration(client, `contract-${randomUUID()}`, {
        customerId, tenantId: randomUUID(), clientId: randomUUID(), secretRef: 'unused', mailbox: 'calendar@example.com',
        feedUrl: 'https://winearound.example.com/feeds/cantina-rossi.ics?token=t',
      });
      webhook = await startWebhookServer({ client, taskQueue: 'unused', secret, port: 0, logger: pino({ level: 'silent' }) });
      requests = requestCounter(webhook);
    });

    async function terminate() {
      try {
        await client.workflow.getHandle(integrationWorkflowId(customerId)).terminate('contract test done');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }

    after(async () => {
      await new Promise((resolve) => webhook?.close(resolve));
      if (client) await terminate();
    });

    it('serves the committed OpenAPI document at GET /webhooks/winearound/openapi.json', async () => {
      const response = await fetch(urlOf(webhook, OPENAPI_PATH));
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await response.json(), JSON.parse(readFileSync(join(ROOT, OPENAPI_FILE), 'utf8')));
    });

    it('accepts every documented example (202) and records each as a signal', async () => {
      const before = await signalsReceived();
      for (const name of Object.keys(NOTIFICATION_EXAMPLES)) {
        const example = documentedExample(name);
        const { status, body } = await post(signed(secret, JSON.stringify(example)));
        assert.equal(status, 202, `example ${name}: ${JSON.stringify(body)}`);
        assert.deepEqual(body, { accepted: true, customerId: example.customerId, eventId: example.eventId, version: example.version });
      }
      assert.equal(await signalsReceived(), before + Object.keys(NOTIFICATION_EXAMPLES).length);
    });

    it('answers 400 naming the field, 401, 404 and 413 as documented, and signals nothing', async () => {
      const before = await signalsReceived();
      const timed = documentedExample('timed') as { event: { end: { dateTime: string } } };
      timed.event.end.dateTime = '2027-04-10T09:00:00';
      const invalid = await post(signed(secret, JSON.stringify(timed)));
      assert.deepEqual([invalid.status, invalid.body.error], [400, 'invalid_notification']);
      assert.match(String(invalid.body.message), /^eventChanged\.event\.end: must be after start/);
      assert.doesNotMatch(String(invalid.body.message), /Anna Keller|\+49/, 'a 400 never echoes guest data');
      assert.deepEqual((await post(signed(secret, '{"customerId": '))).body.error, 'invalid_json');

      const raw = JSON.stringify(documentedExample('delete'));
      const unsigned = await post({ method: 'POST', headers: { 'content-type': 'application/json' }, body: raw });
      assert.deepEqual([unsigned.status, unsigned.body.error], [401, 'unauthorized']);
      assert.equal((await post(signed('not-the-shared-secret-at-all', raw))).status, 401);
      const stale = await post(signed(secret, raw, Math.floor(Date.now() / 1000) - 3600));
      assert.match(String(stale.body.message), /stale/);

      const unknown = await post(signed(secret, JSON.stringify({ ...documentedExample('delete'), customerId: `nobody-${randomUUID()}` })));
      assert.deepEqual([unknown.status, unknown.body.error], [404, 'unknown_customer']);

      const huge = { ...documentedExample('timed'), padding: 'x'.repeat(300 * 1024) };
      const tooLarge = await post(signed(secret, JSON.stringify(huge)));
      assert.deepEqual([tooLarge.status, tooLarge.body.error], [413, 'too_large']);
      assert.equal(await signalsReceived(), before);
    });

    it('answers 503 when Temporal cannot be reached', async () => {
      const cut = await webhookWithoutTemporal(secret);
      try {
        const { status, body } = await post(signed(secret, JSON.stringify(documentedExample('delete'))), cut.server);
        assert.deepEqual([status, body.error], [503, 'unavailable']);
      } finally {
        await cut.close();
      }
    });

    it('the guide\'s openssl + curl snippet delivers the documented example (202)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'wa-contract-'));
      // What a reader saves: the example exactly as the guide shows it, with a final newline.
      writeFileSync(join(dir, 'change.json'), `${blockAfter(guide(), '<!-- contract:example:timed -->')}\n`);
      const before = await signalsReceived();
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', blockAfter(guide(), '<!-- tested:sign-curl -->')], {
        cwd: dir,
        env: { ...process.env, WA_WEBHOOK_URL: urlOf(webhook, WEBHOOK_PATH), WA_WEBHOOK_SECRET: secret },
      }).finally(() => rmSync(dir, { recursive: true, force: true }));
      check.answer(WEBHOOK_PATH, 'post', { status: 202, contentType: 'application/json', body: stdout });
      assert.equal((JSON.parse(stdout) as { accepted: boolean }).accepted, true);
      assert.equal(await signalsReceived(), before + 1);
    });

    describe("the guide's TypeScript snippet", () => {
      type Snippet = {
        sendBookingChange(url: string, secret: string, change: object): Promise<Response>;
        deliverBookingChange(url: string, secret: string, change: object, options?: { attempts?: number; firstDelayMs?: number }): Promise<Response | Error>;
      };
      let snippet: Snippet;
      let snippetDir: string | undefined;
      after(() => snippetDir && rmSync(snippetDir, { recursive: true, force: true }));

      before(async () => {
        // Compiled as a reader would compile it; type errors in the guide fail here.
        const source = blockAfter(guide(), '<!-- tested:sign-ts -->');
        snippetDir = mkdtempSync(join(tmpdir(), 'wa-contract-'));
        const file = join(snippetDir, 'snippet.ts');
        writeFileSync(file, source);
        const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, lib: ['lib.es2022.d.ts'], types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], noEmit: true, skipLibCheck: true });
        const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        assert.deepEqual(problems, [], 'the TypeScript snippet in the guide does not compile');
        const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
        writeFileSync(file.replace(/\.ts$/, '.js'), js);
        snippet = (await import(file.replace(/\.ts$/, '.js'))) as Snippet;
      });

      it('delivers the documented all-day example (202)', async () => {
        const response = await snippet.sendBookingChange(urlOf(webhook, WEBHOOK_PATH), secret, documentedExample('allDay'));
        const body = check.answer(WEBHOOK_PATH, 'post', { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() });
        assert.equal(response.status, 202, JSON.stringify(body));
      });

      it('retries a 503, signing each attempt anew, and gives up after its attempts', async () => {
        const cut = await webhookWithoutTemporal(secret);
        const attempts = requestCounter(cut.server);
        try {
          const last = await snippet.deliverBookingChange(urlOf(cut.server, WEBHOOK_PATH), secret, documentedExample('delete'), { attempts: 3, firstDelayMs: 5 });
          assert.ok(!(last instanceof Error), String(last));
          assert.equal(last.status, 503, 'each attempt passed the signature check and reached the integration');
          assert.equal(attempts(), 3);
        } finally {
          await cut.close();
        }
      });

      it('does not retry a 400', async () => {
        const sent = requests();
        const last = await snippet.deliverBookingChange(urlOf(webhook, WEBHOOK_PATH), secret, { ...documentedExample('delete'), version: -1 }, { attempts: 3, firstDelayMs: 5 });
        assert.ok(!(last instanceof Error), String(last));
        assert.equal(last.status, 400);
        assert.equal(requests() - sent, 1);
      });
    });
  });
});
