import { Command } from 'commander';
import { DEMO_PORTS } from './ports';

/** `npm run demo:booking -- …`: add, change or cancel a booking in the demo's WineAround feed emulator. */
const admin = `http://127.0.0.1:${DEMO_PORTS.feed}/admin/bookings`;

async function call(method: string, url: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const rome = (date: Date, hour: number) => `${date.toISOString().slice(0, 10)}T${String(hour).padStart(2, '0')}:00:00`;

const program = new Command('demo:booking').description('Change bookings in the running demo (npm run demo).');
program.command('list').action(async () => {
  for (const b of (await call('GET', admin)) as { id: string; title: string; start: { dateTime?: string; date?: string } }[]) {
    console.log(`${b.id}  ${b.start.dateTime ?? b.start.date}  ${b.title}`);
  }
});
program.command('add').option('--title <title>', 'title', 'Degustazione Riserva').option('--in-days <n>', 'days from today', '1')
  .action(async (o: { title: string; inDays: string }) => {
    const day = new Date(Date.now() + Number(o.inDays) * 86_400_000);
    const id = `wa-demo-${Date.now()}`;
    await call('POST', admin, {
      id, title: o.title, location: 'Sala degustazione', allDay: false,
      start: { kind: 'dateTime', dateTime: rome(day, 17), timeZone: 'Europe/Rome' },
      end: { kind: 'dateTime', dateTime: rome(day, 18), timeZone: 'Europe/Rome' },
      guest: { name: 'Nicolò Ferri', partySize: 4, language: 'it' },
    });
    console.log(`Added ${id}.`);
  });
program.command('change <id>').option('--title <title>', 'new title').option('--hour <h>', 'new start hour (Rome)')
  .action(async (id: string, o: { title?: string; hour?: string }) => {
    const all = (await call('GET', admin)) as ({ id: string; start: { kind: string; dateTime?: string }; end: { kind: string; dateTime?: string } } & Record<string, unknown>)[];
    const booking = all.find((b) => b.id === id);
    if (!booking) throw new Error(`no booking ${id}; see "list"`);
    const { version: _v, ...fields } = booking;
    if (o.hour && booking.start.dateTime && booking.end.dateTime) {
      const h = String(Number(o.hour)).padStart(2, '0');
      const hEnd = String(Number(o.hour) + 1).padStart(2, '0');
      fields.start = { ...booking.start, dateTime: `${booking.start.dateTime.slice(0, 11)}${h}:00:00` };
      fields.end = { ...booking.end, dateTime: `${booking.end.dateTime.slice(0, 11)}${hEnd}:00:00` };
    }
    await call('POST', admin, { ...fields, title: o.title ?? `${String(booking.title)} (modificata)` });
    console.log(`Changed ${id}.`);
  });
program.command('cancel <id>').action(async (id: string) => {
  await call('POST', `${admin}/${encodeURIComponent(id)}/cancel`);
  console.log(`Cancelled ${id}.`);
});
program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`demo:booking: ${err.message} (is "npm run demo" running?)`);
  process.exit(1);
});
