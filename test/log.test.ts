import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { createLogger } from '../src/log';

describe('the service log', () => {
  const capture = () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: createLogger('info', { pretty: false, destination }) };
  };

  it('keeps the message and code of an error the SDK logs under `error` (e.g. "Activity failed")', () => {
    const { lines, logger } = capture();
    logger.warn({ error: ApplicationFailure.create({ message: 'Graph answered 503 (Service Unavailable)', type: 'UNAVAILABLE' }), durationMs: 12 }, 'Activity failed');
    const error = lines[0].error as { message?: string; code?: string; type?: string };
    assert.equal(error.message, 'Graph answered 503 (Service Unavailable)');
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal(error.type, 'ApplicationFailure');
  });

  it('still redacts secrets, and leaves other values as they are', () => {
    const { lines, logger } = capture();
    logger.info({ error: 'plain text', config: { secret: 's3cret' } }, 'x');
    assert.equal(lines[0].error, 'plain text');
    assert.deepEqual(lines[0].config, { secret: '[redacted]' });
  });
});
