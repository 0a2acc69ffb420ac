/** End to end property: whatever bytes a client sends, however they are split, the room relays exactly what LineDecoder makes of them. */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineDecoder } from '../../main/chat/line-decoder';
import { type RawClient, frame } from '../support/raw-client';
import { startRoom, type TestRoom } from '../support/room';
import { nextTurn } from '../support/wait';

let r: TestRoom;
let sender: RawClient;
let listener: RawClient;
beforeAll(async () => {
  r = await startRoom({ maxLineBytes: 64 });
  sender = await r.join();
  listener = await r.join();
  await sender.waitForText(frame(listener, '(connected)'));
});
afterAll(async () => {
  await r.close();
});

function expectedLines(bytes: Buffer): string[] {
  const lines: string[] = [];
  const decoder = new LineDecoder(64, (line) => lines.push(line.toString('utf8')));
  decoder.push(bytes);
  return lines;
}

describe('ChatServer: relays what the decoder makes of any byte stream', () => {
  it('random bytes in random writes', async () => {
    const IAC = 0xff;
    const byte = fc.oneof(
      fc.constantFrom(0x0a, 0x0d, 0x00, 0x09, 0x1b, 0x5b, 0x07, 0x20, 0x7f, IAC, 0xfb, 0xfd, 0xfa, 0xf0, 0xc2, 0x9b, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80),
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0, max: 255 }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(byte, { maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), async (list, cuts) => {
        run++;
        const marker = `MARK${run}`;
        // 'x' first: never an HTTP/TLS opening; then leave any telnet command and end the line
        const body = Buffer.concat([Buffer.from('x'), Buffer.from(list), Buffer.from([IAC, 0xf0, IAC, 0xf0, 0x0a]), Buffer.from(`${marker}\n`)]);
        const expected = expectedLines(body);
        if (expected[expected.length - 1] !== marker) return; // the marker itself got swallowed: nothing to wait for
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
      }),
      { numRuns: 100 },
    );
  });
});
