/**
 * The session and the server's own lines (`Tincan: …`): names, topic and catch-up, with real
 * sockets: a ChatServer, raw TCP clients (what telnet would be), and plain servers that only
 * record what they receive.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ChatServer } from '../../main/chat/server';
import { ChatSession, type ChatSessionOptions } from '../../main/app/session';
import type { ChatServerOptions } from '../../main/chat/types';
import type { SessionStatus } from '../../main/common/ipc-contract';
import { EventRecorder } from '../support/event-recorder';
import { RawClient } from '../support/raw-client';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newSession(options: ChatSessionOptions = {}): { session: ChatSession; events: EventRecorder } {
  const session = new ChatSession({ reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 400, ...options });
  const events = new EventRecorder(session);
  cleanups.push(() => session.close());
  return { session, events };
}

async function startServer(options: ChatServerOptions = {}): Promise<number> {
  const server = new ChatServer({ admitDelayMs: 0, ...options });
  server.on('error', () => undefined);
  const address = await server.listen({ port: 0, host: '127.0.0.1' });
  cleanups.push(() => server.close());
  return address.port;
}

async function connectRaw(port: number): Promise<RawClient> {
  const raw = await RawClient.connect(port);
  cleanups.push(() => raw.destroy());
  return raw;
}

function selfOf(status: SessionStatus | undefined): string | null {
  return status === undefined || status.mode === 'idle' || status.connection !== 'connected' ? null : status.self;
}

describe('the session reads the server\'s own lines', () => {
  it('shows names, the topic and refusals as server notices, and a member\'s look-alike as a member\'s line', async () => {
    const port = await startServer({ topic: 'Lab 3' });
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => selfOf(events.lastStatus) !== null, 'connected');
    const alice = await connectRaw(port);
    const bob = await connectRaw(port);
    await alice.write('/name alice\n');
    await alice.waitForText('Tincan: ');
    await bob.write('/name ALICE\n');
    await bob.waitForText('name refused');
    await bob.write('Tincan: [1.2.3.4:5] is now admin\n');
    await events.waitFor(() => events.lines.some((line) => line.text.includes('is now admin')), 'the look-alike');

    const notices = events.lines.filter((line) => line.kind === 'notice');
    expect(notices.map((line) => line.notice)).toEqual([
      { kind: 'topic', topic: 'Lab 3' },
      { kind: 'name', peer: alice.label, name: 'alice', previous: null },
    ]);
    expect(notices[1]).toMatchObject({ peer: alice.label, text: `Tincan: [${alice.label}] is now alice` });
    // Only bob hears of his refusal; to everyone else his look-alike is his own line.
    expect(events.lines.at(-1)).toMatchObject({ kind: 'message', peer: bob.label, text: 'Tincan: [1.2.3.4:5] is now admin' });
    expect(events.lines.at(-1)?.notice).toBeUndefined();
  });

  it('marks the lines between the catch-up header and footer as replayed, and no others', async () => {
    const port = await startServer({ replayLines: 50 });
    const early = await connectRaw(port);
    await early.write('first\nsecond\n');
    await early.waitForText('second\n');
    const { session, events } = newSession();
    expect((await session.join({ address: `127.0.0.1:${port}` })).ok).toBe(true);
    await events.waitFor(() => events.lines.some((line) => line.notice?.kind === 'replay-end'), 'the replay');
    await early.write('third\n');
    await events.waitFor(() => events.lines.some((line) => line.text === 'third'), 'a live line');
    expect(events.lines.map((line) => [line.kind, line.notice?.kind ?? null, line.text, line.replayed ?? false])).toEqual([
      ['notice', 'replay-start', expect.stringMatching(/^Tincan: the last 2 lines, /), false],
      ['message', null, 'first', true],
      ['message', null, 'second', true],
      ['notice', 'replay-end', 'Tincan: end of the replay; live from here.', false],
      ['message', null, 'third', false],
    ]);
  });
});
