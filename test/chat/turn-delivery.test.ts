/**
 * The per-turn fan-out without sockets: recipients are plain objects and the sink records
 * what each one would have been sent. A property test compares it with a naive model (every
 * recipient's own list of what it should hear), and examples pin down the notice block.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TurnDelivery, type TurnRecipient, type TurnSink } from '../../main/chat/turn-delivery';

class Recipient implements TurnRecipient {
  arrivalEpoch = -1;
  arrivalOffset = 0;
  readonly prefix: Buffer;
  received = '';
  /** Writes in the current turn, and whether `delivered` was called for it. */
  writesThisTurn = 0;
  deliveredThisTurn = 0;
  constructor(readonly id: number) {
    this.prefix = Buffer.from(`[c${id}] `);
  }
}

/** Records every write; checks that each turn goes out as views of one Buffer, never empty. */
class RecordingSink implements TurnSink<Recipient> {
  turnBuffers = new Set<ArrayBufferLike>();
  write(recipient: Recipient, bytes: Buffer, start: number, end: number): void {
    expect(end).toBeGreaterThan(start);
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeLessThanOrEqual(bytes.length);
    this.turnBuffers.add(bytes.buffer);
    recipient.received += bytes.toString('latin1', start, end);
    recipient.writesThisTurn++;
  }
  delivered(recipient: Recipient): void {
    recipient.deliveredThisTurn++;
  }
}

const notice = (r: Recipient) => `[c${r.id}] (connected)\n`;
const line = (r: Recipient, text: string) => `[c${r.id}] ${text}\n`;

function endTurn(delivery: TurnDelivery, recipients: Recipient[], sink = new RecordingSink()): RecordingSink {
  for (const r of recipients) {
    r.writesThisTurn = 0;
    r.deliveredThisTurn = 0;
  }
  delivery.endTurn(recipients, sink);
  return sink;
}

describe('TurnDelivery: examples', () => {
  it('a turn that said nothing writes nothing and reports false', () => {
    const delivery = new TurnDelivery();
    const a = new Recipient(1);
    delivery.arrive(a);
    const sink = new RecordingSink();
    expect(delivery.endTurn([a], sink)).toBe(false);
    expect(a.received).toBe('');
    expect(a.deliveredThisTurn).toBe(0);
  });

  it('lines go to everyone, sender included, in the order said; one Buffer for the whole turn', () => {
    const delivery = new TurnDelivery();
    const [a, b, c] = [new Recipient(1), new Recipient(2), new Recipient(3)];
    for (const r of [a, b, c]) delivery.arrive(r);
    endTurn(delivery, [a, b, c]); // arrivals in an earlier turn
    delivery.say(a.prefix, Buffer.from('one'));
    delivery.say(b.prefix, Buffer.from('two'));
    const sink = endTurn(delivery, [c, a, b]);
    for (const r of [a, b, c]) {
      expect(r.received).toBe(line(a, 'one') + line(b, 'two'));
      expect(r.writesThisTurn).toBe(1);
      expect(r.deliveredThisTurn).toBe(1);
    }
    expect(sink.turnBuffers.size).toBe(1);
  });

  it('a notice reaches only those who arrived before the newcomer, whatever order announcements come in', () => {
    const delivery = new TurnDelivery();
    const room = [1, 2, 3, 4, 5].map((id) => new Recipient(id));
    for (const r of room) delivery.arrive(r);
    endTurn(delivery, room);
    // announced late and out of order: 4, then 2, then 5
    delivery.announce(room[3]!);
    delivery.say(room[0]!.prefix, Buffer.from('hi'));
    delivery.announce(room[1]!);
    delivery.announce(room[4]!);
    endTurn(delivery, room);
    const [c1, c2, c3, c4, c5] = room as [Recipient, Recipient, Recipient, Recipient, Recipient];
    const hi = line(c1, 'hi');
    expect(c1.received).toBe(notice(c2) + notice(c4) + notice(c5) + hi);
    expect(c2.received).toBe(notice(c4) + notice(c5) + hi);
    expect(c3.received).toBe(notice(c4) + notice(c5) + hi);
    expect(c4.received).toBe(notice(c5) + hi);
    expect(c5.received).toBe(hi);
  });

  it('a recipient arriving mid-turn hears the notices meant for it and what was said after it arrived', () => {
    const delivery = new TurnDelivery();
    const a = new Recipient(1);
    delivery.arrive(a);
    endTurn(delivery, [a]);
    delivery.say(a.prefix, Buffer.from('before'));
    const b = new Recipient(2);
    delivery.arrive(b);
    delivery.say(a.prefix, Buffer.from('after'));
    const c = new Recipient(3);
    delivery.arrive(c);
    delivery.announce(c); // c is announced in the turn it arrived: b hears it, a too
    delivery.announce(b);
    endTurn(delivery, [a, b, c]);
    expect(a.received).toBe(notice(b) + notice(c) + line(a, 'before') + line(a, 'after'));
    expect(b.received).toBe(notice(c) + line(a, 'after'));
    expect(b.writesThisTurn).toBe(2); // its part of the notice block, then the rest from its arrival
    expect(c.received).toBe('');
    expect(c.writesThisTurn).toBe(0);
    expect(c.deliveredThisTurn).toBe(1);
  });
});

type Op =
  | { kind: 'arrive' }
  | { kind: 'say'; who: number; text: string }
  | { kind: 'announce'; who: number }
  | { kind: 'leave'; who: number }
  | { kind: 'end' };

describe('TurnDelivery: property', () => {
  it('every recipient hears exactly what a naive per-recipient model says', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.constant<Op>({ kind: 'arrive' }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('say' as const), who: fc.nat(), text: fc.stringMatching(/^[a-z]{1,6}$/) }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('announce' as const), who: fc.nat() }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('leave' as const), who: fc.nat() }), weight: 1 },
      { arbitrary: fc.constant<Op>({ kind: 'end' }), weight: 2 },
    );
    let runs = 0;
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        const delivery = new TurnDelivery();
        const present: Recipient[] = [];
        const unannounced: Recipient[] = [];
        const expected = new Map<Recipient, string>();
        // The model: this turn's lines per recipient (from its arrival on) and its newcomers.
        let heard = new Map<Recipient, string>();
        let newcomers: Recipient[] = [];
        let nextId = 1;
        const finishTurn = (): void => {
          const sorted = [...newcomers].sort((x, y) => x.id - y.id);
          for (const r of present) {
            const notices = sorted.filter((n) => n.id > r.id).map(notice).join('');
            expected.set(r, expected.get(r)! + notices + (heard.get(r) ?? ''));
          }
          heard = new Map();
          newcomers = [];
          endTurn(delivery, present);
          for (const r of present) {
            expect(r.writesThisTurn).toBeLessThanOrEqual(2);
            expect(r.received).toBe(expected.get(r));
          }
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'arrive': {
              const r = new Recipient(nextId++);
              delivery.arrive(r);
              present.push(r);
              unannounced.push(r);
              expected.set(r, '');
              break;
            }
            case 'say': {
              if (present.length === 0) break;
              const speaker = present[o.who % present.length]!;
              delivery.say(speaker.prefix, Buffer.from(o.text));
              for (const r of present) heard.set(r, (heard.get(r) ?? '') + line(speaker, o.text));
              break;
            }
            case 'announce': {
              if (unannounced.length === 0) break;
              const [r] = unannounced.splice(o.who % unannounced.length, 1);
              delivery.announce(r!);
              newcomers.push(r!);
              break;
            }
            case 'leave': {
              // a recipient gone before the turn ends hears nothing more (the server drops it from the list)
              if (present.length === 0) break;
              const [r] = present.splice(o.who % present.length, 1);
              heard.delete(r!);
              break;
            }
            case 'end':
              finishTurn();
              break;
          }
        }
        finishTurn();
        runs++;
      }),
      { numRuns: 300 },
    );
    expect(runs).toBe(300);
  });
});
