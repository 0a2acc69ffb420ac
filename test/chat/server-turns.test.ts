/**
 * Per-turn fan-out under churn: while lines stream in, clients keep joining. Every client must
 * see one and the same order of messages, from the point it arrived on, with no gaps; and the
 * (connected) notice of a newcomer goes exactly to those who were there before it.
 */
import { describe, expect, it } from 'vitest';
import { type RawClient, frame } from '../support/raw-client';
import { useRooms } from '../support/room';
import { nextTurn } from '../support/wait';

const room = useRooms();

async function churn(admitDelayMs: number, joinersTalk: boolean): Promise<void> {
  const r = await room({ admitDelayMs });
  // The server's own account of what happened, in order (with admitDelayMs 0 a join is the accept).
  const log: string[] = [];
  r.server.on('join', (c) => log.push(`join ${c.peer}`));
  r.server.on('message', (c, text) => log.push(`[${c.peer}] ${text}`));
  const reference = await r.connect();
  await reference.write('ref\n');
  await reference.waitForText(frame(reference, 'ref'));
  const flooders: RawClient[] = [];
  for (let i = 0; i < 3; i++) {
    const f = await r.connect();
    await f.write(`f${i} ready\n`);
    await reference.waitForText(frame(f, `f${i} ready`));
    flooders.push(f);
  }
  let stop = false;
  const flooding = flooders.map(async (f, i) => {
    for (let n = 0; !stop; n++) {
      await f.write(`f${i}-${n}\nf${i}-${n}b\n`);
      await nextTurn();
    }
  });
  const joiners: RawClient[] = [];
  for (let j = 0; j < 40; j++) {
    const c = await r.connect();
    joiners.push(c);
    if (joinersTalk) await c.write(`j${j}\n`);
    await nextTurn();
  }
  stop = true;
  await Promise.all(flooding);
  // everyone announced (silent joiners after the admit delay), then the end marker
  for (const c of joiners) await reference.waitForText(frame(c, '(connected)'));
  await reference.write('END\n');
  const everyone = [reference, ...flooders, ...joiners];
  await Promise.all(everyone.map((c) => c.waitForText(frame(reference, 'END'), 10_000)));

  const isNotice = (line: string) => line.endsWith('] (connected)') || line.endsWith('] (disconnected)');
  const refMessages = reference.lines().filter((l) => !isNotice(l));
  const order = [reference, ...flooders, ...joiners];
  for (const [k, c] of order.entries()) {
    const lines = c.lines();
    const messages = lines.filter((l) => !isNotice(l));
    // a contiguous tail of the reference's messages
    const start = refMessages.indexOf(messages[0]!);
    expect(start, `${c.label}'s first message is one the reference saw`).toBeGreaterThanOrEqual(0);
    expect(messages, `${c.label} sees the same order, no gaps`).toEqual(refMessages.slice(start));
    // it hears the (connected) of exactly those who arrived after it
    const notices = lines.filter((l) => l.endsWith('] (connected)'));
    expect(notices, `${c.label}'s (connected) notices`).toEqual(order.slice(k + 1).map((later) => frame(later, '(connected)').slice(0, -1)));
  }
  if (admitDelayMs === 0) {
    for (const j of joiners) {
      const arrived = log.indexOf(`join ${j.label}`);
      const said = log.slice(arrived + 1).filter((entry) => entry.startsWith('['));
      expect(j.lines().filter((l) => !isNotice(l)), `${j.label} hears exactly what was said after it arrived`).toEqual(said);
    }
  }
  for (const j of joiners) {
    // nothing said before it arrived: the reference's first line never reaches a joiner
    expect(j.text).not.toContain(frame(reference, 'ref'));
  }
}

describe('ChatServer: fan-out under churn', () => {
  it('immediate announcement (admitDelayMs 0)', async () => {
    await churn(0, false);
  });
  it('announced on first data', async () => {
    await churn(60_000, true);
  });
  it('silent joiners announced after the delay', async () => {
    await churn(30, false);
  });
});
