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
  arrivalLine = 0;
  readonly prefix: Buffer;
  received = '';
  /** Calls in the current turn, and how many non-empty parts they carried. */
  callsThisTurn = 0;
  partsThisTurn = 0;
  constructor(
    readonly id: number,
    readonly crlf = false,
  ) {
    this.prefix = Buffer.from(`[c${id}] `);
  }
}

/** Records every part; checks each turn goes out as views of one Buffer per line-end variant. */
class RecordingSink implements TurnSink<Recipient> {
  turnBuffers = new Set<Buffer>();
  turns = 0;
  /** The CR LF Buffer of the last turn (null: none was built). */
  lastCrlf: Buffer | null = null;
  private lf: Buffer | null = null;
  private crlf: Buffer | null = null;
  startTurn(_epoch: number, lf: Buffer, crlf: Buffer | null): void {
    this.lf = lf;
    this.crlf = crlf;
    this.lastCrlf = crlf;
    this.turns++;
  }
  write(recipient: Recipient, bytes: Buffer, noticesFrom: number, noticesEnd: number, restFrom: number): void {
    expect(bytes).toBe(recipient.crlf && this.crlf ? this.crlf : this.lf);
    this.turnBuffers.add(bytes);
    expect(0 <= noticesFrom && noticesFrom <= noticesEnd && noticesEnd <= restFrom && restFrom <= bytes.length).toBe(true);
    recipient.received += bytes.toString('latin1', noticesFrom, noticesEnd) + bytes.toString('latin1', restFrom);
    recipient.callsThisTurn++;
    recipient.partsThisTurn += (noticesEnd > noticesFrom ? 1 : 0) + (bytes.length > restFrom ? 1 : 0);
  }
  endTurn(): void {
    this.lf = null;
    this.crlf = null;
  }
}

const notice = (r: Recipient) => `[c${r.id}] (connected)\n`;
const line = (r: Recipient, text: string) => `[c${r.id}] ${text}\n`;

function endTurn(delivery: TurnDelivery, recipients: Recipient[], sink = new RecordingSink()): RecordingSink {
  for (const r of recipients) {
    r.callsThisTurn = 0;
    r.partsThisTurn = 0;
  }
  delivery.endTurn(recipients, sink, recipients.some((r) => r.crlf));
  return sink;
}

describe('TurnDelivery: examples', () => {
  it('a turn that said nothing writes nothing and reports 0 bytes', () => {
    const delivery = new TurnDelivery();
    const a = new Recipient(1);
    delivery.arrive(a);
    const sink = new RecordingSink();
    expect(delivery.endTurn([a], sink)).toBe(0);
    expect(a.received).toBe('');
    expect(sink.turns).toBe(0);
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
      expect(r.callsThisTurn).toBe(1);
      expect(r.partsThisTurn).toBe(1);
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
    expect(b.partsThisTurn).toBe(2); // its part of the notice block, then the rest from its arrival
    expect(c.received).toBe('');
    expect(c.partsThisTurn).toBe(0);
    expect(c.callsThisTurn).toBe(1);
  });

  it('CR LF readers get the same turn with \\r\\n line ends, from one second Buffer, offsets mapped', () => {
    const delivery = new TurnDelivery();
    const a = new Recipient(1);
    const t = new Recipient(2, true);
    for (const r of [a, t]) delivery.arrive(r);
    endTurn(delivery, [a, t]);
    delivery.say(a.prefix, Buffer.from('before'));
    const late = new Recipient(3, true);
    delivery.arrive(late);
    delivery.say(a.prefix, Buffer.from('after'));
    delivery.announce(late);
    delivery.announce(t);
    const sink = endTurn(delivery, [a, t, late]);
    expect(a.received).toBe(notice(t) + notice(late) + line(a, 'before') + line(a, 'after'));
    const crlf = (text: string) => text.replaceAll('\n', '\r\n');
    expect(t.received).toBe(crlf(notice(late) + line(a, 'before') + line(a, 'after')));
    expect(late.received).toBe(crlf(line(a, 'after')));
    expect(sink.turnBuffers.size).toBe(2);
  });

  it('without CR LF readers no second Buffer is built', () => {
    const delivery = new TurnDelivery();
    const a = new Recipient(1);
    delivery.arrive(a);
    endTurn(delivery, [a]);
    delivery.say(a.prefix, Buffer.from('x'));
    const sink = endTurn(delivery, [a]);
    expect(sink.turns).toBe(1);
    expect(sink.lastCrlf).toBeNull();
  });
});

type Op =
  | { kind: 'arrive'; crlf: boolean }
  | { kind: 'say'; who: number; text: string }
  | { kind: 'announce'; who: number }
  | { kind: 'leave'; who: number }
  | { kind: 'end' };

describe('TurnDelivery: property', () => {
  it('every recipient hears exactly what a naive per-recipient model says', () => {
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('arrive' as const), crlf: fc.boolean() }), weight: 3 },
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
            const part = notices + (heard.get(r) ?? '');
            expected.set(r, expected.get(r)! + (r.crlf ? part.replaceAll('\n', '\r\n') : part));
          }
          heard = new Map();
          newcomers = [];
          endTurn(delivery, present);
          for (const r of present) {
            expect(r.partsThisTurn).toBeLessThanOrEqual(2);
            expect(r.received).toBe(expected.get(r));
          }
        };
        for (const o of ops) {
          switch (o.kind) {
            case 'arrive': {
              const r = new Recipient(nextId++, o.crlf);
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
