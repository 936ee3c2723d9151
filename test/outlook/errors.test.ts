import assert from 'node:assert/strict';
import { classifyError, type SyncError } from '../../src/outlook/errors';
import { TokenProvider } from '../../src/outlook/token';

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

describe('classifying a failure to get a token', () => {
  it('retries when the authority cannot be reached, instead of reporting the tenant as not found', async () => {
    // Nothing listens on port 1: MSAL cannot fetch the authority's metadata (endpoints_resolution_error).
    const tokens = new TokenProvider({ authorityHost: 'https://127.0.0.1:1', graphBaseUrl: 'https://127.0.0.1:1' });
    const credentials = { tenantId: 'cantinarossi.onmicrosoft.com', clientId: '6f1c2a8e-1d2b-4c3d-9e8f-0a1b2c3d4e5f', credential: { kind: 'secret' as const, secret: 'not-used' } };
    await assert.rejects(tokens.acquire(credentials), (err: SyncError) => {
      assert.equal(err.code, 'UNAVAILABLE', err.message);
      assert.ok(err.transient);
      assert.match(err.message, /endpoints_resolution_error/);
      return true;
    });
  });
});
