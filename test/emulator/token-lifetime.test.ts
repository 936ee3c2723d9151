import assert from 'node:assert/strict';
import jwt from 'jsonwebtoken';
import { MicrosoftEmulator } from '../../src/emulator';
import { msalApp, startWorld } from './world';

/**
 * Access-token lifetimes: Entra's default is randomised between 60 and 90 minutes
 * (https://learn.microsoft.com/entra/identity-platform/access-tokens#token-lifetime); tests shorten
 * them so that MSAL (which renews 5 minutes before expiry, graph-facts §2.4) asks again mid-sync.
 */
describe('emulator: token lifetimes', () => {
  let emu: MicrosoftEmulator;
  const scopes = ['https://graph.microsoft.com/.default'];
  const lifetime = (token: string) => {
    const payload = jwt.decode(token) as jwt.JwtPayload;
    return payload.exp! - payload.iat!;
  };
  before(async () => {
    emu = await startWorld();
  });
  after(() => emu.close());
  afterEach(() => emu.setTokenLifetime(undefined));

  it('draws lifetimes between 60 and 90 minutes by default', async () => {
    const lifetimes = await Promise.all(Array.from({ length: 8 }, async () =>
      lifetime((await msalApp(emu).acquireTokenByClientCredential({ scopes }))!.accessToken)));
    assert.ok(lifetimes.every((s) => s >= 3600 && s <= 5400), lifetimes.join());
    assert.ok(new Set(lifetimes).size > 1, 'randomised');
  });

  it('shortens them on request, so MSAL renews at once (<= 300 s) or soon after', async () => {
    emu.setTokenLifetime({ minSeconds: 120, maxSeconds: 120 });
    const cca = msalApp(emu);
    const first = (await cca.acquireTokenByClientCredential({ scopes }))!;
    assert.equal(lifetime(first.accessToken), 120);
    const second = (await cca.acquireTokenByClientCredential({ scopes }))!;
    assert.equal(second.fromCache, false, 'within MSAL\'s 5-minute renewal offset: fetched again');
    assert.throws(() => emu.setTokenLifetime({ minSeconds: 10, maxSeconds: 5 }), /tokenLifetime\.maxSeconds/);
  });
});
