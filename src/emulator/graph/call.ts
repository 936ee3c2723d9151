import { App, User } from '../directory';
import { EmulatorContext } from '../context';
import { Principal } from './auth';
import { Preferences } from './prefer';

/** What happens to the TCP connection carrying a request (set by 'drop' / 'lost-response' faults). */
export interface ConnectionFate { drop: boolean; loseResponse: boolean }

/** One Graph request, from HTTP or from inside a $batch. `path` excludes the /v1.0 prefix. */
export interface GraphCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: unknown;
  fate: ConnectionFate;
}

export interface GraphResult { status: number; headers: Record<string, string>; body?: unknown }

/** A routed, authenticated call. */
interface RoutedCall {
  call: GraphCall;
  ctx: EmulatorContext;
  principal: Principal;
  params: Record<string, string>;
  prefs: Preferences;
}

/** An authorised call on one mailbox (or directory user). */
export interface MailboxCall extends RoutedCall { user: User }

/** An authorised read of an application object. */
export interface ApplicationCall extends RoutedCall { application: App }
