/**
 * The two processes of the `attack` scenario (bench/attack.ts), one role each:
 *
 *  - attacker: from 127.0.0.66, `nonReaders` clients that never read a byte, and one flooder
 *    that writes `floodBytesPerSecond` of 1000-byte lines (open loop, 64 KiB per write, never
 *    more than 4 MiB queued on its side) and reads everything. When the server cuts one of
 *    its clients (Tincan's `[127.0.0.66:PORT] (disconnected)`), it opens another: the
 *    attack goes on for as long as the attacker reconnects.
 *  - honest: two clients, from 127.0.0.1 and 127.0.0.2, each sending `honestLinesPerSecond`
 *    bench lines (bench/lines.ts) and reading everything, flood included; per line, the time
 *    from its write to the read that brought it in.
 */
import type net from 'node:net';
import { openClientSocket } from './client-socket';
import * as histogram from './histogram';
import { fillLines, lineTemplate, payloadStart, senderAt, sentNsAt, seqAt, type Dialect } from './lines';

export interface AttackInit {
  type: 'init';
  role: 'attacker' | 'honest';
  port: number;
  dialect: Dialect;
  /** Every client, attacker and honest, speaks TLS. */
  tls: boolean;
  baseNs: string;
  nonReaders: number;
  floodBytesPerSecond: number;
  honestLinesPerSecond: number;
  honestLineBytes: number;
}

export type AttackCommand = AttackInit | { type: 'start' } | { type: 'stop' } | { type: 'stats' } | { type: 'exit' };

export interface AttackerStats {
  type: 'attacker-stats';
  nonReadersOpen: number;
  reconnects: number;
  /** Flood bytes the kernel took from the flooder. */
  floodBytes: number;
  flooderClosed: boolean;
}

export interface HonestStats {
  type: 'honest-stats';
  sent: number[];
  /** received[receiver][sender] */
  received: number[][];
  latency: number[];
  maxLatencyNs: number;
  duplicates: number;
  outOfOrder: number;
  /** Honest clients the server closed. */
  cut: number;
}

export type AttackReport = { type: 'ready' } | AttackerStats | HonestStats;

const ATTACKER_ADDRESS = '127.0.0.66';
const HONEST_ADDRESSES = ['127.0.0.1', '127.0.0.2'];
const FLOOD_LINE = Buffer.from(`${'z'.repeat(999)}\n`);
const FLOOD_CHUNK = Buffer.concat(Array.from({ length: 64 }, () => FLOOD_LINE));
const MAX_FLOODER_QUEUE = 4 * 1024 * 1024;
const READ_BUFFER_BYTES = 256 * 1024;
const CARRY_BYTES = 1024;

let init: AttackInit;
let base = 0n;
const nowNs = (): number => Number(process.hrtime.bigint() - base);
const send = (message: AttackReport): void => void process.send?.(message);

function connect(localAddress: string, onData?: (chunk: Buffer, n: number) => void): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = openClientSocket({
      host: '127.0.0.1',
      port: init.port,
      localAddress,
      tls: init.tls,
      noDelay: true,
      ...(onData ? { read: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), onRead: (n: number, buf: Buffer) => onData(buf, n) } } : {}),
      onConnect: () => resolve(socket),
    });
    socket.once('error', reject);
  });
}

/** Splits reads into lines (a line cut by a read is carried over), calling `onLine(buf, start, end)`. */
function lineReader(onLine: (buf: Buffer, start: number, end: number) => void): (buf: Buffer, n: number) => void {
  const carry = Buffer.allocUnsafe(CARRY_BYTES);
  let carryLength = 0;
  let carryTooLong = false;
  return (buf, n) => {
    let start = 0;
    if (carryLength > 0 || carryTooLong) {
      const nl = buf.indexOf(10);
      const upTo = nl < 0 || nl >= n ? n : nl;
      const take = Math.min(upTo, CARRY_BYTES - carryLength);
      buf.copy(carry, carryLength, 0, take);
      carryLength += take;
      if (take < upTo) carryTooLong = true;
      if (nl < 0 || nl >= n) return;
      if (!carryTooLong) onLine(carry, 0, carryLength);
      carryLength = 0;
      carryTooLong = false;
      start = nl + 1;
    }
    for (let nl = buf.indexOf(10, start); nl >= 0 && nl < n; nl = buf.indexOf(10, start)) {
      onLine(buf, start, nl);
      start = nl + 1;
    }
    if (start < n) {
      const take = Math.min(n - start, CARRY_BYTES);
      buf.copy(carry, 0, start, start + take);
      carryLength = take;
      carryTooLong = take < n - start;
    }
  };
}

// ---- attacker -------------------------------------------------------------------------------

const nonReaders = new Map<string, net.Socket>();
let reconnects = 0;
let attacking = false;
let flooder: net.Socket | null = null;
let floodWritten = 0;
let floodTimer: NodeJS.Timeout | null = null;

async function openNonReader(): Promise<void> {
  const socket = await connect(ATTACKER_ADDRESS);
  socket.pause(); // never reads again
  socket.on('error', () => undefined);
  nonReaders.set(`[${ATTACKER_ADDRESS}:${socket.localPort}] (disconnected)`, socket);
}

async function startAttacker(): Promise<void> {
  for (let i = 0; i < init.nonReaders; i++) await openNonReader();
  flooder = await connect(ATTACKER_ADDRESS, lineReader((buf, start, end) => {
    // `[127.0.0.66:PORT] (disconnected)`: one of ours was cut; open another.
    if (!attacking || end - start > 48 || buf[start] !== 0x5b) return;
    const key = buf.toString('latin1', start, end);
    const cut = nonReaders.get(key);
    if (!cut) return;
    nonReaders.delete(key);
    cut.destroy();
    reconnects++;
    setTimeout(() => void openNonReader().catch(() => undefined), 10);
  }));
  flooder.on('error', () => undefined);
}

function flood(): void {
  attacking = true;
  const started = nowNs();
  const tick = (): void => {
    const socket = flooder;
    if (!socket || socket.destroyed) return;
    const due = Math.floor(((nowNs() - started) / 1e9) * init.floodBytesPerSecond);
    while (floodWritten + FLOOD_CHUNK.length <= due && socket.writableLength < MAX_FLOODER_QUEUE) {
      socket.write(FLOOD_CHUNK);
      floodWritten += FLOOD_CHUNK.length;
    }
    if (floodWritten + FLOOD_CHUNK.length <= due) floodWritten = due; // fell behind: the rest is not owed
  };
  floodTimer = setInterval(tick, 5);
}

function attackerStats(): AttackerStats {
  const flooderQueued = flooder?.writableLength ?? 0;
  return {
    type: 'attacker-stats',
    nonReadersOpen: nonReaders.size,
    reconnects,
    floodBytes: (flooder?.bytesWritten ?? 0) - flooderQueued,
    flooderClosed: flooder === null || flooder.destroyed,
  };
}

// ---- honest pair ------------------------------------------------------------------------------

const honest: net.Socket[] = [];
const sent = [0, 0];
const received = [
  [0, 0],
  [0, 0],
];
const nextSeq = [
  [0, 0],
  [0, 0],
];
let latency = histogram.newCounts();
let maxLatencyNs = 0;
let duplicates = 0;
let outOfOrder = 0;
let honestCut = 0;
let stopping = false;
let honestTimer: NodeJS.Timeout | null = null;

async function startHonest(): Promise<void> {
  const payload = init.honestLineBytes - 1;
  for (let receiver = 0; receiver < 2; receiver++) {
    const socket = await connect(HONEST_ADDRESSES[receiver]!, (buf, n) => read(buf, n));
    const read = lineReader((buf, start, end) => {
      const p = payloadStart(buf, start, end, payload);
      if (p < 0) return;
      const now = nowNs();
      const sender = senderAt(buf, p);
      const seq = seqAt(buf, p);
      const expected = nextSeq[receiver]![sender];
      if (expected === undefined) return;
      received[receiver]![sender]!++;
      if (seq === expected) nextSeq[receiver]![sender] = seq + 1;
      else if (seq < expected) duplicates++;
      else {
        outOfOrder++;
        nextSeq[receiver]![sender] = seq + 1;
      }
      const lat = Math.max(0, now - sentNsAt(buf, p));
      latency[histogram.bucketOf(lat)]!++;
      if (lat > maxLatencyNs) maxLatencyNs = lat;
    });
    socket.on('close', () => {
      if (!stopping) honestCut++;
    });
    socket.on('error', () => undefined);
    honest.push(socket);
  }
}

function talk(): void {
  const templates = [0, 1].map((id) => lineTemplate(id, init.honestLineBytes));
  const started = nowNs();
  const tick = (): void => {
    const now = nowNs();
    const due = Math.floor(((now - started) / 1e9) * init.honestLinesPerSecond) + 1;
    for (let id = 0; id < 2; id++) {
      const socket = honest[id];
      if (!socket || socket.destroyed || sent[id]! >= due) continue;
      const count = due - sent[id]!;
      socket.write(fillLines(templates[id]!, sent[id]!, count, now));
      sent[id]! += count;
    }
  };
  tick();
  honestTimer = setInterval(tick, 1);
}

function honestStats(): HonestStats {
  return { type: 'honest-stats', sent: [...sent], received: received.map((r) => [...r]), latency, maxLatencyNs, duplicates, outOfOrder, cut: honestCut };
}

// ---- commands ---------------------------------------------------------------------------------

process.on('message', (message: AttackCommand) => {
  switch (message.type) {
    case 'init':
      init = message;
      base = BigInt(message.baseNs);
      latency = histogram.newCounts();
      void (message.role === 'attacker' ? startAttacker() : startHonest()).then(() => send({ type: 'ready' }));
      break;
    case 'start':
      if (init.role === 'attacker') flood();
      else talk();
      break;
    case 'stop':
      attacking = false;
      if (floodTimer) clearInterval(floodTimer);
      if (honestTimer) clearInterval(honestTimer);
      break;
    case 'stats':
      send(init.role === 'attacker' ? attackerStats() : honestStats());
      break;
    case 'exit':
      stopping = true;
      for (const socket of [...nonReaders.values(), ...honest]) socket.destroy();
      flooder?.destroy();
      process.disconnect();
      setImmediate(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
