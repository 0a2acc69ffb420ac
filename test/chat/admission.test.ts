/**
 * AdmissionQueue with real sockets: silence is judged after the loop has read what arrived,
 * so a first byte that came in time is never taken for silence because the loop was busy.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { AdmissionQueue, type Admittee } from '../../main/chat/admission';
import { useCleanup } from '../support/cleanup';
import { waitUntil } from '../support/wait';

const defer = useCleanup();

interface Newcomer extends Admittee {
  spoke: boolean;
}

/** Blocks the event loop, as a burst of TLS handshakes or a big fan-out does. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the loop reads nothing meanwhile
  }
}

describe('AdmissionQueue', () => {
  it('a newcomer whose first byte arrived while the loop was busy past its deadline is not taken for silent', async () => {
    const silent: Newcomer[] = [];
    const queue = new AdmissionQueue<Newcomer>(50, (newcomer) => silent.push(newcomer));
    defer(() => queue.close());
    let newcomer: Newcomer | null = null;
    const server = net.createServer((socket) => {
      const n: Newcomer = {
        admitAt: 0,
        spoke: false,
        get awaitingAdmission() {
          return !this.spoke;
        },
      };
      socket.once('data', () => (n.spoke = true));
      defer(() => socket.destroy());
      queue.add(n);
      newcomer = n;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => server.close(resolve)));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    defer(() => client.destroy());
    await waitUntil(() => newcomer !== null, 'the server to accept');
    // Written (into the server's kernel buffer at once, long before the deadline), then the
    // loop is busy past it. Busy in the check phase: the loop's next phase is timers, as after
    // a burst of handshakes read in a poll phase.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        client.write('\x16');
        busyFor(150);
        resolve();
      }),
    );
    await waitUntil(() => newcomer!.spoke, 'the first byte to be read');
    expect(silent).toEqual([]);
  });

  it('a newcomer that stays silent is admitted after the delay', async () => {
    const silent: string[] = [];
    const queue = new AdmissionQueue<Admittee & { name: string }>(50, (newcomer) => silent.push(newcomer.name));
    defer(() => queue.close());
    const started = performance.now();
    queue.add({ name: 'quiet', admitAt: 0, awaitingAdmission: true });
    await waitUntil(() => silent.length === 1, 'the silent newcomer to be admitted');
    expect(silent).toEqual(['quiet']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(49);
  });
});
