import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secretExpiry } from '../../src/diagnosis/secret-expiry';
import { assessSharing } from '../../src/diagnosis/sharing';
import { fixFor } from '../../src/diagnosis/texts';
import { decodeTokenClaims } from '../../src/diagnosis/token-claims';

/** The diagnosis's pure parts: expiry reading, sharing assessment, token claims, and the fix catalogue. */

/** Every non-OK code diagnoseSetup can report (docs/setup.md maps each to a step). */
const DIAGNOSIS_CODES = [
  'SECRET_REF_UNKNOWN', 'SECRET_STORE_UNREADABLE', 'TENANT_NOT_FOUND', 'APP_NOT_FOUND', 'INVALID_SECRET', 'SECRET_EXPIRED', 'SECRET_MISSING',
  'SECRET_EXPIRING', 'CONSENT_MISSING', 'MAILBOX_NOT_FOUND', 'NO_EXCHANGE_LICENSE', 'ACCESS_POLICY_DENIED', 'TOKEN_REJECTED', 'GRAPH_REJECTED',
  'UNAVAILABLE', 'WRITE_PROBE_FAILED', 'PROBE_NOT_REMOVED', 'CALENDAR_SHARED_WRITABLE', 'CALENDAR_NOT_SHARED', 'SHARING_UNREADABLE',
  'FEED_NOT_FOUND', 'FEED_ACCESS_DENIED', 'FEED_INVALID', 'FEED_HTTP_ERROR', 'FEED_UNAVAILABLE', 'FEED_TIMEOUT', 'FEED_NETWORK',
  'FEED_URL_NOT_GIVEN', 'TOKEN_UNREADABLE', 'BLOCKED', 'CERTIFICATE_REJECTED', 'CERTIFICATE_EXPIRED', 'CERTIFICATE_EXPIRING',
  'CERTIFICATE_UNREADABLE', 'CLOCK_SKEW', 'CLIENT_ASSERTION_INVALID', 'SECRETS_FILE_EXPOSED',
];

describe('diagnosis: findings', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('warns when the secret in use expires within 30 days, matched by its hint', () => {
    const credentials = [
      { hint: 'abc', endDateTime: '2026-03-20T00:00:00Z' },
      { hint: 'xyz', endDateTime: '2026-03-05T00:00:00Z' },
    ];
    const soon = secretExpiry(credentials, 'abc-secret', now);
    assert.equal(soon.expiringSoon, true);
    assert.match(soon.evidence, /expires on 2026-03-20, in 18 days/);
    const later = secretExpiry([{ hint: 'abc', endDateTime: '2026-06-01T00:00:00Z' }], 'abc-secret', now);
    assert.equal(later.expiringSoon, false);
    assert.doesNotMatch(later.evidence, /abc-secret/);
  });

  it('says so when no secret matches, or the secret never expires', () => {
    assert.match(secretExpiry([{ hint: 'zzz', endDateTime: '2026-03-02T00:00:00Z' }], 'abc', now).evidence, /expiry is unknown/);
    assert.equal(secretExpiry([{ hint: 'abc', endDateTime: null }], 'abc', now).expiringSoon, false);
  });

  it('flags write, delegate and custom roles, and a calendar nobody can read', () => {
    const person = (address: string, role: string) => ({ role, emailAddress: { name: address, address } });
    const org = { role: 'freeBusyRead', emailAddress: { name: 'My Organization' } };
    assert.equal(assessSharing([org, person('a@x', 'read')]).status, 'pass');
    for (const role of ['write', 'delegateWithoutPrivateEventAccess', 'delegateWithPrivateEventAccess', 'custom']) {
      const finding = assessSharing([org, person('a@x', 'read'), person('b@x', role)]);
      assert.equal(finding.code, 'CALENDAR_SHARED_WRITABLE', role);
      assert.match(finding.evidence, new RegExp(`Can edit: b@x \\(${role}\\)`));
    }
    const unread = assessSharing([org, person('c@x', 'freeBusyRead')]);
    assert.equal(unread.code, 'CALENDAR_NOT_SHARED');
    assert.match(unread.evidence, /My Organization \(freeBusyRead\)/);
  });

  it('reads roles, tenant and app from a token payload without verifying it, and rejects what is no JWT', () => {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'none' })}.${part({ roles: ['Calendars.ReadWrite'], tid: 't', appid: 'a', iat: 1 })}.sig`;
    assert.deepEqual(decodeTokenClaims(token), { roles: ['Calendars.ReadWrite'], tid: 't', appid: 'a', iat: 1 });
    assert.deepEqual(decodeTokenClaims(`${part({})}.${part({ tid: 't' })}.`)?.roles, []);
    assert.equal(decodeTokenClaims('opaque-token'), undefined);
    assert.equal(decodeTokenClaims('a.!!!.c'), undefined);
  });

  it('has an English and an Italian fix for every code, with the setup\'s mailbox and app filled in', () => {
    for (const code of DIAGNOSIS_CODES) {
      assert.ok(fixFor(code, 'en'), `English fix for ${code}`);
      assert.ok(fixFor(code, 'it'), `Italian fix for ${code}`);
    }
    const fix = fixFor('ACCESS_POLICY_DENIED', 'it', { mailbox: 'cal@x.it', clientId: 'id-1' });
    assert.match(fix, /Test-ApplicationAccessPolicy -Identity cal@x\.it -AppId id-1/);
  });

  it('maps every code to a step in docs/setup.md', () => {
    const guide = readFileSync(join(__dirname, '../../../docs/setup.md'), 'utf8');
    for (const code of DIAGNOSIS_CODES.filter((c) => c !== 'BLOCKED')) assert.ok(guide.includes(`\`${code}\``), `${code} in docs/setup.md`);
  });
});
