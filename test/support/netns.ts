/**
 * A second "machine" for tests that need a peer at an address of their choosing: a network
 * namespace joined to this one by a veth pair (needs root, as CI has). Names carry the pid,
 * so parallel test files never collide; `close()` deletes the namespace and its link.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { WAIT_MS } from './wait';

const run = promisify(execFile);
let made = 0;

export interface LinkedNamespace {
  readonly name: string;
  /** This side's address on the link, and the namespace's. */
  readonly hostAddress: string;
  readonly peerAddress: string;
  /**
   * Connects from inside the namespace to `host:port` (from `from`, default the peer's link
   * address), sends `send`, and resolves with everything received until the server closed
   * the connection (or `timeoutMs`).
   */
  talk(host: string, port: number, send: string, timeoutMs?: number, from?: string): Promise<string>;
  /**
   * Gives the namespace one more address, beyond a router as this side sees it: reached
   * through a route via the peer's link address, on none of this side's subnets.
   */
  addRoutedAddress(address: string): Promise<void>;
  close(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

/** `family` 4: addresses like 198.51.100.1/24; 6: like fd00::1/64 (added without duplicate detection). */
export async function linkedNamespace(hostAddress: string, peerAddress: string, prefix: number): Promise<LinkedNamespace> {
  const id = `${process.pid % 100_000}${made++}`;
  const name = `tincan-t${id}`;
  const hostLink = `tch${id}`;
  const peerLink = `tcp${id}`;
  const v6 = hostAddress.includes(':');
  const extra = v6 ? ['nodad'] : [];
  await ip('netns', 'add', name);
  try {
    await ip('link', 'add', hostLink, 'type', 'veth', 'peer', 'name', peerLink);
    await ip('link', 'set', peerLink, 'netns', name);
    await ip('addr', 'add', `${hostAddress}/${prefix}`, 'dev', hostLink, ...extra);
    await ip('link', 'set', hostLink, 'up');
    await ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
    await ip('netns', 'exec', name, 'ip', 'addr', 'add', `${peerAddress}/${prefix}`, 'dev', peerLink, ...extra);
    await ip('netns', 'exec', name, 'ip', 'link', 'set', peerLink, 'up');
  } catch (error) {
    await ip('netns', 'del', name).catch(() => undefined);
    await ip('link', 'del', hostLink).catch(() => undefined);
    throw error;
  }
  return {
    name,
    hostAddress,
    peerAddress,
    talk(host, port, send, timeoutMs = WAIT_MS, from = peerAddress) {
      const script = `
        const s = require('net').connect({ host: ${JSON.stringify(host)}, port: ${port}, localAddress: ${JSON.stringify(from)} });
        s.on('data', (d) => process.stdout.write(d));
        s.on('connect', () => s.write(${JSON.stringify(send)}));
        s.on('error', (e) => { process.stderr.write(String(e.code)); });
        s.on('close', () => process.exit(0));
        setTimeout(() => process.exit(3), ${timeoutMs}).unref();`;
      return new Promise((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', name, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
        child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code === 0) resolve(out);
          else reject(new Error(`client in ${name} exited ${code}: ${err || 'no close from the server'}; received ${JSON.stringify(out)}`));
        });
      });
    },
    async addRoutedAddress(address) {
      const v6Address = address.includes(':');
      const single = v6Address ? 128 : 32;
      await ip('netns', 'exec', name, 'ip', 'addr', 'add', `${address}/${single}`, 'dev', peerLink, ...(v6Address ? ['nodad'] : []));
      await ip('route', 'add', `${address}/${single}`, 'via', peerAddress, 'dev', hostLink);
    },
    async close() {
      await ip('netns', 'del', name).catch(() => undefined);
      await ip('link', 'del', hostLink).catch(() => undefined);
    },
  };
}
