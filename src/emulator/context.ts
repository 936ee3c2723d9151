import { RequestCounters } from './counters';
import { Directory } from './directory';
import { createSigningKey, SigningKey } from './entra/signing-key';
import { FaultInjector } from './faults';
import { Latency } from './latency';
import { AuthorizationCodes } from './entra/sign-in';
import { DEFAULT_TOKEN_LIFETIME, type TokenLifetime } from './entra/token';
import { Throttle } from './throttle';

/** Everything the HTTP handlers share; `baseUrl` is known once the server listens. */
export class EmulatorContext {
  readonly directory = new Directory();
  readonly signingKey: SigningKey = createSigningKey();
  readonly counters = new RequestCounters();
  readonly faults = new FaultInjector();
  readonly throttle = new Throttle();
  readonly latency = new Latency();
  readonly authCodes = new AuthorizationCodes();
  tokenLifetime: TokenLifetime = { ...DEFAULT_TOKEN_LIFETIME };
  baseUrl = '';
}
