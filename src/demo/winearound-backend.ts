import type { FeedEmulator } from '../winearound/feed-emulator';
import type { FeedBooking } from '../winearound/ical-write';
import { sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../webhook/signature';

/**
 * Plays WineAround's backend in the demo: whenever a booking in the feed emulator changes (through
 * its admin API or `npm run demo:booking`), it sends the signed change notification to the webhook,
 * as WineAround does in production.
 */
export function notifyOnBookingChanges(feed: FeedEmulator, options: { customerId: string; webhookUrl: string; secret: string; onError: (err: Error) => void }): () => void {
  const seen = new Map(feed.bookings().map((b) => [b.id, b.version]));
  const send = async (booking: FeedBooking | undefined, id: string, version: number) => {
    const { id: _id, version: _v, cancelled, ...event } = booking ?? ({} as FeedBooking);
    const change = booking && !cancelled
      ? { customerId: options.customerId, eventId: id, operation: 'upsert', version, event }
      : { customerId: options.customerId, eventId: id, operation: 'delete', version };
    const body = JSON.stringify(change);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(options.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(options.secret, timestamp, body) },
      body,
    });
    if (response.status !== 202) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
  };
  const timer = setInterval(() => {
    const current = new Map(feed.bookings().map((b) => [b.id, b]));
    for (const [id, booking] of current) {
      if (seen.get(id) !== booking.version) send(booking, id, booking.version).catch(options.onError);
    }
    for (const id of seen.keys()) {
      if (!current.has(id)) send(undefined, id, Date.now()).catch(options.onError);
    }
    seen.clear();
    for (const [id, booking] of current) seen.set(id, booking.version);
  }, 500);
  return () => clearInterval(timer);
}
