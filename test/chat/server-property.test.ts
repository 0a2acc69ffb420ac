/**
 * End to end property: whatever bytes a client sends, however they are split, the room relays
 * exactly what the framing rules say (test/support/framing-model.ts, a model written without
 * LineDecoder). Every run must reach its end: a run that skipped its check would fail the count.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedLines } from '../support/framing-model';
import { type RawClient, frame } from '../support/raw-client';
import { startRoom, type TestRoom } from '../support/room';
import { nextTurn } from '../support/wait';

const MAX_LINE_BYTES = 64;
const RUNS = 100;
const IAC = 0xff;
const SE = 0xf0;

let r: TestRoom;
let sender: RawClient;
let listener: RawClient;
beforeAll(async () => {
  r = await startRoom({ maxLineBytes: MAX_LINE_BYTES });
  sender = await r.join();
  listener = await r.join();
  await sender.waitForText(frame(listener, '(connected)'));
});
afterAll(async () => {
  await r.close();
});

describe('ChatServer: relays what the framing rules make of any byte stream', () => {
  it('random bytes in random writes', async () => {
    const byte = fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0x00, 0x09, 0x1b, 0x5b, 0x07, 0x20, 0x7f, IAC, 0xfb, 0xfd, 0xfa, SE, 0xc2, 0x9b, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80),
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0, max: 255 }),
    );
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), async (list, cuts) => {
        const marker = `MARK${checked}`;
        // 'x' first: never an HTTP/TLS opening. IAC SE IAC SE LF brings any telnet state (a
        // pending IAC, an option, a subnegotiation) back to plain data and ends the line, so
        // the marker is always a line of its own.
        const body = Buffer.concat([Buffer.from('x'), Buffer.from(list), Buffer.from([IAC, SE, IAC, SE, 0x0a]), Buffer.from(`${marker}\n`)]);
        const expected = expectedLines(body, MAX_LINE_BYTES);
        expect(expected.at(-1)).toBe(marker);
        listener.clear();
        const points = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, body.length]) {
          if (p > from) {
            await sender.write(body.subarray(from, p));
            await nextTurn();
          }
          from = p;
        }
        await listener.waitForText(frame(sender, marker));
        expect(listener.text).toBe(expected.map((line) => frame(sender, line)).join(''));
        checked++;
      }),
      { numRuns: RUNS },
    );
    expect(checked).toBe(RUNS);
  });
});
