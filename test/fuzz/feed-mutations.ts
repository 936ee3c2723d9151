/**
 * Mutations of a real feed for property-based tests (fast-check): each either touches one booking
 * (truncated or folded lines, corrupted DTSTART/DTEND/DURATION/RRULE/EXDATE/RECURRENCE-ID/TZID
 * values, a duplicate, a missing END, a huge field, random bytes) or none (line ends, a BOM).
 * The properties: the parse returns; every booking the mutation did not touch maps exactly as in
 * the intact feed; nothing escapes but the documented feed error codes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FeedError } from '../../src/winearound/errors';
import { parseIcalFeed, type ParsedFeed } from '../../src/winearound/ical-parse';
import { SKIP_CODES } from '../../src/winearound/skip-codes';

export interface Mutated {
  text: string;
  /** UIDs of the bookings whose lines changed. */
  touched: string[];
  label: string;
}

export const FUZZ_WINDOW = { start: new Date('2027-03-01T00:00:00Z'), end: new Date('2027-10-01T00:00:00Z') };
const parse = (text: string) => parseIcalFeed(text, { window: FUZZ_WINDOW, defaultTimeZone: 'Europe/Rome' });

interface Block {
  uid: string;
  lines: string[];
  start: number;
  end: number;
}

function blocksOf(lines: string[]): Block[] {
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== 'BEGIN:VEVENT') continue;
    const end = lines.indexOf('END:VEVENT', i);
    const uid = lines.slice(i, end).find((l) => l.startsWith('UID:'))?.slice(4);
    if (uid) blocks.push({ uid, lines: lines.slice(i, end + 1), start: i, end: end + 1 });
    i = end;
  }
  return blocks;
}

const VALUE_PROPERTIES = ['DTSTART', 'DTEND', 'DURATION', 'RRULE', 'EXDATE', 'RECURRENCE-ID', 'LAST-MODIFIED'];
/** A line's text without line breaks: anything else goes, control characters and astral planes included. */
const lineText = (maxLength: number) => fc.string({ unit: 'binary', maxLength }).map((s) => s.replace(/[\r\n]/g, ''));
const randomBytes = fc.uint8Array({ minLength: 1, maxLength: 200 }).map((bytes) => String.fromCharCode(...bytes).replace(/[\r\n]/g, ''));

type BlockMutation = (block: Block) => fc.Arbitrary<{ lines: string[]; label: string }>;

const blockMutations: BlockMutation[] = [
  (b) => fc.integer({ min: 1, max: b.lines.length - 1 }).map((k) => ({ lines: b.lines.slice(0, k), label: `truncated after line ${k}` })),
  (b) => fc.constant({ lines: b.lines.filter((l) => l !== 'END:VEVENT'), label: 'END:VEVENT missing' }),
  (b) => fc.tuple(fc.integer({ min: 1, max: b.lines.length - 2 }), fc.nat(), fc.constantFrom(' ', '\t')).map(([i, at, ws]) => {
    const line = b.lines[i];
    const cut = 1 + (at % Math.max(1, line.length - 1));
    return { lines: [...b.lines.slice(0, i), line.slice(0, cut), `${ws}${line.slice(cut)}`, ...b.lines.slice(i + 1)], label: `line ${i} folded at ${cut}` };
  }),
  (b) => {
    const present = b.lines.map((l, i) => [l, i] as const).filter(([l]) => VALUE_PROPERTIES.some((p) => l.startsWith(`${p}:`) || l.startsWith(`${p};`)));
    if (present.length === 0) return fc.constant({ lines: b.lines, label: 'no value to corrupt' });
    return fc.tuple(fc.constantFrom(...present), lineText(40), fc.boolean()).map(([[line, i], junk, inTzid]) => {
      const colon = line.indexOf(':');
      const corrupted = inTzid
        ? `${line.slice(0, colon).replace(/;TZID=[^;:]*/, '')};TZID=${junk.replace(/[;:"]/g, '')}${line.slice(colon)}`
        : `${line.slice(0, colon + 1)}${junk}`;
      return { lines: [...b.lines.slice(0, i), corrupted, ...b.lines.slice(i + 1)], label: `${inTzid ? 'TZID of' : 'value of'} ${line.slice(0, colon)} corrupted` };
    });
  },
  (b) => fc.constant({ lines: [...b.lines, ...b.lines], label: 'booking listed twice' }),
  (b) => fc.tuple(fc.integer({ min: 1, max: b.lines.length - 1 }), fc.integer({ min: 1_000, max: 300_000 })).map(([i, n]) => ({
    lines: [...b.lines.slice(0, i), `DESCRIPTION:${'Vino '.repeat(n / 5)}`, ...b.lines.slice(i)], label: `huge field of ${n} characters`,
  })),
  (b) => fc.tuple(fc.integer({ min: 1, max: b.lines.length - 1 }), fc.oneof(lineText(200), randomBytes)).map(([i, junk]) => ({
    lines: [...b.lines.slice(0, i), junk, ...b.lines.slice(i)], label: 'random line inserted',
  })),
  (b) => fc.tuple(fc.integer({ min: 1, max: b.lines.length - 2 }), randomBytes).map(([i, junk]) => ({
    lines: [...b.lines.slice(0, i), junk, ...b.lines.slice(i + 1)], label: `line ${i} replaced by random bytes`,
  })),
];

/** Mutations of `base` (LF-separated lines as in test/fixtures/winery-feed.ics). */
export function mutatedFeed(base: string): fc.Arbitrary<Mutated> {
  const lines = base.replace(/\r\n/g, '\n').split('\n');
  const blocks = blocksOf(lines);
  const oneBooking = fc.tuple(fc.constantFrom(...blocks), fc.constantFrom(...blockMutations)).chain(([block, mutation]) =>
    mutation(block).map(({ lines: changed, label }) => ({
      text: [...lines.slice(0, block.start), ...changed, ...lines.slice(block.end)].join('\n'),
      touched: [block.uid],
      label: `${block.uid}: ${label}`,
    })));
  const lineEnds = fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: lines.length, maxLength: lines.length })
    .map((ends) => ({ text: lines.map((l, i) => l + ends[i]).join(''), touched: [], label: 'mixed line ends' }));
  const bom = fc.constant<Mutated>({ text: `\uFEFF${base}`, touched: [], label: 'BOM' });
  return fc.oneof({ arbitrary: oneBooking, weight: 8 }, { arbitrary: lineEnds, weight: 1 }, { arbitrary: bom, weight: 1 });
}

const bookingOf = (id: string) => id.split('#')[0];

/** Asserts the three properties for one mutation of `base` (whose intact parse is `intact`). */
export function checkMutation(m: Mutated, intact: ParsedFeed): void {
  let result: ParsedFeed;
  try {
    result = parse(m.text);
  } catch (err) {
    // A mutation of one booking never fails the feed; a feed-level error carries a documented code only.
    assert.ok(err instanceof FeedError && ['FEED_INVALID', 'FEED_TRUNCATED'].includes(err.code), `escaped: ${String(err)}`);
    assert.fail(`a mutation of one booking failed the whole feed: ${err.code}`);
  }
  const touched = new Set(m.touched);
  const untouched = (events: ParsedFeed['events']) => events.filter((e) => !touched.has(bookingOf(e.id)));
  assert.deepStrictEqual(untouched(result.events), untouched(intact.events));
  for (const s of result.skipped) {
    assert.ok((SKIP_CODES as readonly string[]).includes(s.code), `undocumented skip code ${s.code}`);
    assert.ok(s.uid === undefined || touched.has(s.uid) || intact.skipped.some((i) => i.uid === s.uid), `untouched booking ${s.uid} skipped`);
  }
}

export function intactParse(base: string): ParsedFeed {
  return parse(base);
}
