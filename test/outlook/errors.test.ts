import assert from 'node:assert/strict';
import { classifyError } from '../../src/outlook/errors';

describe('classifying a network failure talking to Graph', () => {
  it('says which failure it was (a reset, a timeout), by name and code, and retries it', () => {
    const reset = classifyError(new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) }));
    assert.equal(reset.message, 'Network error talking to Microsoft Graph (TypeError, Error, ECONNRESET).');
    assert.ok(reset.transient);
    const timeout = classifyError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    assert.equal(timeout.message, 'Network error talking to Microsoft Graph (TimeoutError).');
  });

  it('quotes no message of the failure: it may carry a URL with a mailbox or an event id', () => {
    const err = new TypeError('request to https://graph.microsoft.com/v1.0/users/calendario@cantinarossi.it/events failed, socket hang up');
    const classified = classifyError(err);
    assert.ok(classified.transient);
    assert.ok(!classified.message.includes('cantinarossi'), classified.message);
  });
});
