/**
 * Realistic winery bookings for tests, the demo and the benchmark: tastings, tours and lunches in
 * Europe/Rome with Italian, German, French and English guests. Deterministic for given inputs
 * (a seeded generator, no clock), so two runs produce the same feed.
 */
import { DateTime } from 'luxon';
import { formatWallTime } from '../sync/time';
import { seededRandom } from '../emulator/latency';
import type { FeedBooking } from './ical-write';

const ZONE = 'Europe/Rome';

const EXPERIENCES = [
  { title: 'Degustazione Classica', minutes: 90, location: 'Cantina – Sala degustazione', category: 'Degustazione' },
  { title: 'Visita in cantina e vigneto', minutes: 120, location: 'Vigneto La Morra, Strada Bricco 4', category: 'Visita' },
  { title: 'Pranzo in vigna', minutes: 150, location: 'Terrazza panoramica', category: 'Pranzo' },
  { title: 'Tour Barolo', minutes: 180, location: 'Partenza: piazza del Municipio, Barolo', category: 'Tour' },
  { title: 'Degustazione verticale Riserva', minutes: 120, location: 'Barricaia storica', category: 'Degustazione' },
  { title: 'Aperitivo al tramonto', minutes: 90, location: 'Terrazza panoramica', category: 'Aperitivo' },
] as const;

const GUESTS = [
  { name: 'Nicolò Bianchi', language: 'it' },
  { name: 'Zoë Müller', language: 'de' },
  { name: 'Jürgen Weiß', language: 'de' },
  { name: 'Chloé Lefèvre', language: 'fr' },
  { name: 'Siobhán O’Connor', language: 'en' },
  { name: 'Giulia D’Amico', language: 'it' },
  { name: 'Emma Thompson', language: 'en' },
  { name: 'Lukas Schäfer', language: 'de' },
  { name: 'Ana Peña', language: 'es' },
  { name: 'Björn Ångström', language: 'en' },
  { name: 'Noemi Cantù', language: 'it' },
  { name: 'François Dupré', language: 'fr' },
] as const;

const NOTES = ['Allergie: nessuna', 'Allergia alle noci', 'Vegetariani: 2', 'Anniversario di matrimonio', 'Cliente abituale', ''];

const SLOTS = ['10:00', '11:30', '15:00', '17:30'] as const;

const asciiFold = (s: string) => s.normalize('NFD').replace(/[^\x20-\x7e]/g, '').toLowerCase().replace(/[^a-z]+/g, '.');

/**
 * `count` bookings, four slots a day from the day after `now` (Rome time); every 25th is an all-day
 * private event. Versions are `now` minus a few minutes, so they are in the past and distinct.
 */
export function sampleBookings(now: Date, count: number): FeedBooking[] {
  const random = seededRandom(count * 7919 + 17);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const firstDay = DateTime.fromJSDate(now, { zone: ZONE }).startOf('day').plus({ days: 1 });
  return Array.from({ length: count }, (_, i) => {
    const day = firstDay.plus({ days: Math.floor(i / SLOTS.length) });
    const id = `wa-bk-${String(i + 1).padStart(5, '0')}`;
    const version = now.getTime() - (count - i) * 60_000;
    const guest = pick(GUESTS);
    const partySize = 2 + Math.floor(random() * 11);
    if (i % 25 === 24) {
      return {
        id,
        version,
        title: 'Evento privato – Matrimonio',
        description: 'Cantina chiusa al pubblico, allestimento dalle 8:00',
        location: 'Tenuta, intera struttura',
        start: { kind: 'date', date: day.toISODate()! },
        end: { kind: 'date', date: day.plus({ days: 1 }).toISODate()! },
        allDay: true,
        categories: ['Evento'],
      };
    }
    const experience = pick(EXPERIENCES);
    const [hour, minute] = SLOTS[i % SLOTS.length].split(':').map(Number);
    const start = day.set({ hour, minute });
    const note = pick(NOTES);
    return {
      id,
      version,
      title: experience.title,
      description: `Prenotazione ${id.toUpperCase()}, ${partySize} persone${note ? `; ${note}` : ''}`,
      location: experience.location,
      start: { kind: 'dateTime', dateTime: formatWallTime(start), timeZone: ZONE },
      end: { kind: 'dateTime', dateTime: formatWallTime(start.plus({ minutes: experience.minutes })), timeZone: ZONE },
      allDay: false,
      categories: [experience.category],
      guest: {
        name: guest.name,
        email: `${asciiFold(guest.name)}@example.com`,
        phone: `+39 3${10 + Math.floor(random() * 90)} ${String(Math.floor(random() * 10_000_000)).padStart(7, '0')}`,
        partySize,
        language: guest.language,
      },
    };
  });
}
