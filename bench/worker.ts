/**
 * One load-generator process. It owns a slice of the run's clients: connects them,
 * reads and counts everything they receive, and drives the senders among them.
 *
 * Speed matters more than elegance here: every client reads into one shared buffer
 * (net `onread`, no per-read allocation), lines are found with Buffer.indexOf and
 * parsed by offset, and the clock is read once per read, not once per line.
 */
import type net from 'node:net';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { openClientSocket } from './client-socket';
import * as histogram from './histogram';
import * as lines from './lines';
import type { Dialect } from './lines';
import type { FromWorker, RunCommand, ToWorker, WorkerInit } from './messages';

const READ_BUFFER_BYTES = 256 * 1024;
/** Enough for any line this bench needs to parse; longer lines are only counted. */
const CARRY_BYTES = 1024;
const PROGRESS_EVERY_MS = 20;
/** Open loop: never write more than this many overdue lines at once per sender. */
const OPEN_LOOP_MAX_BATCH = 256;
/** Closed loop: how far (lines per sender) another worker's observer may trail, and how often observers report. */
const REMOTE_SLACK = 128;
const OBSERVED_EVERY_MS = 5;

interface Client {
  index: number;
  socket: net.Socket | null;
  connected: boolean;
  closed: boolean;
  notices: number;
  /** Next expected sequence number per sender. */
  nextSeq: Int32Array;
  /** Start of a line that a read cut in two. */
  carry: Buffer | null;
  carryLen: number;
  carryTooLong: boolean;
  /** Length (with newline) of the last line found by search; see onRead. */
  lineGuess: number;
  isObserver: boolean;
  sender: Sender | null;
  /** TLS connections opened again after a handshake that failed (TLS_RETRIES). */
  retries: number;
  /** TLS only: who this client heard join, while the join storm lasts. */
  joinedSeen: Set<string> | null;
  /** Two 32-bit hashes of the (sender, seq) sequence this client received (orderCheck only). */
  orderA: number;
  orderB: number;
}

interface Sender {
  id: number;
  client: Client;
  template: Buffer;
  sent: number;
  /** Lines of this sender the local observer has received. */
  seenHere: number;
  /** Lines every worker's observer has received. */
  acked: number;
  dirty: boolean;
}

let init: WorkerInit;
let base = 0n;
let payloadBytes = 0;
let dialect: Dialect = 'tincan';
let orderCheck = false;
let clients: Client[] = [];
const senders: Sender[] = [];
/** senderById[id] is the local Sender or undefined if it lives in another worker. */
let senderById: Array<Sender | undefined> = [];
let observer: Client | null = null;

// Connect phase.
let nextToConnect = 0;
let connectsInFlight = 0;
let connectStopped = false;
let connectedCount = 0;
let failedCount = 0;
let closedByServer = 0;
let tlsRetries = 0;
let notices = 0;
let lastNoticeNs = 0;
let lastConnectNs = 0;
const errorCodes = new Set<string>();
let progressDirty = false;

// Run phase.
let run: RunCommand | null = null;
let sending = false;
let delivered = 0;
let bytesRead = 0;
let reads = 0;
let duplicates = 0;
let outOfOrder = 0;
let otherLines = 0;
let latency = histogram.newCounts();
let maxLatencyNs = 0;
let firstDeliveryNs = 0;
let lastDeliveryNs = 0;
const dirtySenders: Sender[] = [];
/** Per other worker: how far its observer got, per sender (index = sender id). */
const remoteSeen: Int32Array[] = [];
const remoteIndex = new Map<number, number>();
let observerAdvanced = false;
let observedScheduled = false;
/** How busy this process was since the run (or the join storm) started: shows whether the generator kept up. */
let cpuMark = process.cpuUsage();
let eluMark: EventLoopUtilization = performance.eventLoopUtilization();

const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
/** FNV-1a offset basis. */
const ORDER_SEED = 0x811c9dc5 | 0;

// Bound once: calling through the module namespace costs a getter per call, which
// doubled the per-line cost of the loop below (80 vs 36 ns measured).
const { bucketOf, newCounts } = histogram;
const { fillLines, isConnectedNotice, isDisconnectedNotice, lineTemplate, payloadStart, senderAt, sentNsAt, seqAt } = lines;


function nowNs(): number {
  return Number(process.hrtime.bigint() - base);
}

function send(message: FromWorker): void {
  process.send?.(message);
}

function handleLine(c: Client, buf: Buffer, start: number, end: number, now: number): void {
  const p = payloadStart(buf, start, end, payloadBytes);
  if (p >= 0) handleBenchLine(c, buf, p, now);
  else handleOtherLine(c, buf, start, end, now);
}

function handleBenchLine(c: Client, buf: Buffer, p: number, now: number): void {
  const sender = senderAt(buf, p);
  const seq = seqAt(buf, p);
  const expected = c.nextSeq[sender];
  if (expected === undefined) {
    otherLines++;
    return;
  }
  delivered++;
  if (orderCheck) {
    c.orderA = Math.imul(Math.imul(c.orderA ^ sender, 16777619) ^ seq, 16777619);
    c.orderB = (Math.imul(c.orderB, 31) + Math.imul(seq, 0x9e3779b1) + sender) | 0;
  }
  if (seq === expected) c.nextSeq[sender] = seq + 1;
  else if (seq < expected) duplicates++;
  else {
    outOfOrder++;
    c.nextSeq[sender] = seq + 1;
  }
  let lat = now - sentNsAt(buf, p);
  if (lat < 0) lat = 0;
  latency[bucketOf(lat)]!++;
  if (lat > maxLatencyNs) maxLatencyNs = lat;
  if (c.isObserver) {
    observerAdvanced = true;
    const s = senderById[sender];
    if (s !== undefined && seq + 1 > s.seenHere) {
      s.seenHere = seq + 1;
      updateAck(s);
    }
  }
}

function handleOtherLine(c: Client, buf: Buffer, start: number, end: number, now: number): void {
  if (isConnectedNotice(dialect, buf, start, end)) {
    c.notices++;
    notices++;
    lastNoticeNs = now;
    progressDirty = true;
    // `[IP:port] (connected)`: who, for a departure in the join storm (below).
    if (c.joinedSeen !== null) c.joinedSeen.add(buf.toString('latin1', start, end - 12));
    return;
  }
  if (run === null && c.joinedSeen !== null && isDisconnectedNotice(dialect, buf, start, end) &&
    c.joinedSeen.delete(buf.toString('latin1', start, end - 15))) {
    // A TLS attempt that was joined as a quiet plain client has left (see TLS_RETRIES): its
    // notice and its departure cancel out.
    c.notices--;
    notices--;
    progressDirty = true;
    return;
  }
  otherLines++;
}

function onRead(c: Client, n: number): void {
  const now = nowNs();
  bytesRead += n;
  reads++;
  const buf = n === READ_BUFFER_BYTES ? readBuffer : readBuffer.subarray(0, n);
  const linesBefore = delivered;
  let s = 0;
  if (c.carryLen > 0) {
    const nl = buf.indexOf(10);
    const carry = c.carry!;
    const take = Math.min((nl < 0 ? n : nl), CARRY_BYTES - c.carryLen);
    buf.copy(carry, c.carryLen, 0, take);
    c.carryLen += take;
    if (take < (nl < 0 ? n : nl)) c.carryTooLong = true;
    if (nl < 0) return;
    if (c.carryTooLong) otherLines++;
    else handleLine(c, carry, 0, c.carryLen, now);
    c.carryLen = 0;
    c.carryTooLong = false;
    s = nl + 1;
  }
  // Most lines have the length of the previous one (same prefix width, fixed payload),
  // so look for the newline there first and fall back to indexOf. A guess only stands
  // if it yields a well-formed bench line or notice; two lines could only pass as one if
  // the first were shorter than a prefix (ncat can send `<userN> \n` when a read splits
  // a line just before its newline, but the bare payload after it then fails the check).
  let guess = c.lineGuess;
  for (;;) {
    let nl = s + guess - 1;
    let p = -1;
    if (nl < n && buf[nl] === 10) {
      p = payloadStart(buf, s, nl, payloadBytes);
      if (p < 0 && !isConnectedNotice(dialect, buf, s, nl)) nl = -1;
    } else nl = -1;
    if (nl < 0) {
      nl = buf.indexOf(10, s);
      if (nl < 0) break;
      guess = nl - s + 1;
      p = payloadStart(buf, s, nl, payloadBytes);
    }
    if (p >= 0) handleBenchLine(c, buf, p, now);
    else handleOtherLine(c, buf, s, nl, now);
    s = nl + 1;
  }
  c.lineGuess = guess;
  if (s < n) {
    if (c.carry === null) c.carry = Buffer.allocUnsafe(CARRY_BYTES);
    const take = Math.min(n - s, CARRY_BYTES);
    buf.copy(c.carry, 0, s, s + take);
    c.carryLen = take;
    c.carryTooLong = take < n - s;
  }
  if (delivered !== linesBefore) {
    if (firstDeliveryNs === 0) firstDeliveryNs = now;
    lastDeliveryNs = now;
  }
  if (observerAdvanced && remoteSeen.length > 0 && !observedScheduled) {
    observedScheduled = true;
    setTimeout(sendObserved, OBSERVED_EVERY_MS);
  }
  observerAdvanced = false;
  if (dirtySenders.length > 0) flushClosedLoop();
}

/**
 * Closed loop: a line counts as acknowledged once the local observer has it, and the
 * observers of the other workers are at most REMOTE_SLACK lines behind it.
 * With only the local observer, a worker that fell behind (descheduled on a busy
 * machine) would not slow the senders of the other worker, and its clients' backlog
 * would grow until the server cut them as too slow. Observers' progress travels between
 * workers through the coordinator every OBSERVED_EVERY_MS; the slack keeps that IPC
 * (a third of a worker's time when sent every turn, 6% every 2 ms) off the critical path.
 */
function updateAck(s: Sender): void {
  let acked = s.seenHere;
  for (const remote of remoteSeen) {
    const r = remote[s.id]! + REMOTE_SLACK;
    if (r < acked) acked = r;
  }
  if (acked > s.acked) {
    s.acked = acked;
    if (!s.dirty) {
      s.dirty = true;
      dirtySenders.push(s);
    }
  }
}

function sendObserved(): void {
  observedScheduled = false;
  if (observer === null) return;
  send({ type: 'observed', workerIndex: init.workerIndex, next: Array.from(observer.nextSeq) });
}

function flushClosedLoop(): void {
  const window = run?.window ?? 0;
  const stamp = nowNs();
  for (const s of dirtySenders) {
    s.dirty = false;
    if (!sending) continue;
    const room = window - (s.sent - s.acked);
    if (room > 0) writeLines(s, room, stamp);
  }
  dirtySenders.length = 0;
}

function writeLines(s: Sender, count: number, stamp: number): void {
  const socket = s.client.socket;
  if (socket === null || s.client.closed) return;
  socket.write(fillLines(s.template, s.sent, count, stamp));
  s.sent += count;
}

/**
 * A TLS client's own loopback source address (127.0.1.1 onwards): Tincan bounds handshakes in
 * progress per address (8), and the bench measures capacity, as it lifts the other per-address
 * limits; connectConcurrency keeps the total under the server's overall bound (128).
 */
function spreadSource(index: number): string {
  return `127.0.${1 + Math.floor(index / 250)}.${1 + (index % 250)}`;
}

/**
 * Tincan tells a TLS client from a quiet plain one by its first byte within 50 ms. A generator
 * descheduled on a loaded machine can write its ClientHello later than that; the server then
 * joins it as plain, its handshake fails on the room's notices, and it is opened again. The
 * number is reported, and each such join and leave cancel out in the notice counts.
 */
const TLS_RETRIES = 3;

function connectNext(): void {
  while (!connectStopped && connectsInFlight < init.connectConcurrency && nextToConnect < clients.length) {
    const c = clients[nextToConnect++]!;
    connectsInFlight++;
    open(c);
  }
}

function open(c: Client): void {
  const socket = openClientSocket({
    host: init.host,
    port: init.ports ? init.ports[c.index % init.ports.length]! : init.port,
    tls: init.tls ?? false,
    ...(init.tls ? { localAddress: spreadSource(c.index) } : {}),
    noDelay: c.sender !== null,
    read: { buffer: readBuffer, onRead: (n) => onRead(c, n) },
    onConnect: () => {
      c.connected = true;
      connectedCount++;
      connectsInFlight--;
      lastConnectNs = nowNs();
      progressDirty = true;
      connectNext();
    },
  });
  c.socket = socket;
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (errorCodes.size < 5 && !(init.tls && !c.connected && c.retries < TLS_RETRIES)) errorCodes.add(err.code ?? err.message);
  });
  socket.on('close', () => {
    if (c.closed || c.socket !== socket) return;
    if (!c.connected && init.tls && c.retries < TLS_RETRIES && !connectStopped) {
      c.retries++;
      tlsRetries++;
      c.carryLen = 0;
      open(c);
      return;
    }
    c.closed = true;
    progressDirty = true;
    if (c.connected) closedByServer++;
    else {
      failedCount++;
      connectsInFlight--;
      connectNext();
    }
  });
}

function reportProgress(force: boolean): void {
  if (!force && !progressDirty) return;
  progressDirty = false;
  send({
    type: 'progress',
    workerIndex: init.workerIndex,
    connected: connectedCount,
    failed: failedCount,
    closedByServer,
    notices,
    lastNoticeNs,
    lastConnectNs,
    errors: [...errorCodes],
  });
}

function startRun(cmd: RunCommand): void {
  run = cmd;
  delivered = 0;
  bytesRead = 0;
  reads = 0;
  duplicates = 0;
  outOfOrder = 0;
  otherLines = 0;
  latency = newCounts();
  maxLatencyNs = 0;
  firstDeliveryNs = 0;
  lastDeliveryNs = 0;
  for (const c of clients) {
    c.joinedSeen = null; // the join storm is over
    c.nextSeq.fill(0);
    c.orderA = ORDER_SEED;
    c.orderB = 0;
  }
  for (const r of remoteSeen) r.fill(0);
  for (const s of senders) {
    s.sent = 0;
    s.seenHere = 0;
    s.acked = 0;
  }
  cpuMark = process.cpuUsage();
  eluMark = performance.eventLoopUtilization();
  const wait = Math.max(0, (cmd.startNs - nowNs()) / 1e6);
  setTimeout(() => {
    sending = true;
    const startedNs = nowNs();
    const endNs = cmd.startNs + cmd.durationMs * 1e6;
    let ticker: NodeJS.Timeout | null = null;
    if (cmd.mode === 'closed') {
      for (const s of senders) writeLines(s, cmd.window, startedNs);
    } else {
      // Open loop: each sender owes floor(elapsed * rate) + 1 lines; a late tick catches up.
      const tick = (): void => {
        const now = nowNs();
        const elapsed = Math.min(now, endNs) - cmd.startNs;
        for (const s of senders) {
          const due = Math.floor((elapsed * cmd.ratePerSender) / 1e9) + 1 - s.sent;
          if (due > 0) writeLines(s, Math.min(due, OPEN_LOOP_MAX_BATCH), now);
        }
      };
      tick();
      ticker = setInterval(tick, 1);
    }
    setTimeout(() => {
      sending = false;
      if (ticker !== null) clearInterval(ticker);
      send({ type: 'sent', workerIndex: init.workerIndex, perSender: senders.map((s) => [s.id, s.sent]) });
    }, Math.max(0, (endNs - nowNs()) / 1e6));
  }, wait);
}

function onMessage(message: ToWorker): void {
  switch (message.type) {
    case 'init': {
      init = message;
      base = BigInt(message.baseNs);
      dialect = message.dialect;
      orderCheck = message.orderCheck ?? false;
      payloadBytes = message.lineBytes - 1;
      senderById = new Array<Sender | undefined>(message.senders).fill(undefined);
      clients = message.clients.map((index) => ({
        index,
        socket: null,
        connected: false,
        closed: false,
        notices: 0,
        nextSeq: new Int32Array(message.senders),
        carry: null,
        carryLen: 0,
        carryTooLong: false,
        lineGuess: 1,
        retries: 0,
        joinedSeen: message.tls ? new Set() : null,
        isObserver: false,
        sender: null,
        orderA: ORDER_SEED,
        orderB: 0,
      }));
      for (const c of clients) {
        if (c.index < message.senders) {
          const s: Sender = {
            id: c.index,
            client: c,
            template: lineTemplate(c.index, message.lineBytes),
            sent: 0,
            seenHere: 0,
            acked: 0,
            dirty: false,
          };
          c.sender = s;
          senders.push(s);
          senderById[s.id] = s;
        } else if (observer === null) {
          observer = c;
          c.isObserver = true;
        }
      }
      for (let w = 0; w < message.workers; w++) {
        if (w === message.workerIndex) continue;
        remoteIndex.set(w, remoteSeen.length);
        remoteSeen.push(new Int32Array(message.senders));
      }
      send({ type: 'ready', workerIndex: init.workerIndex });
      break;
    }
    case 'connect':
      cpuMark = process.cpuUsage();
      eluMark = performance.eventLoopUtilization();
      setInterval(() => reportProgress(false), PROGRESS_EVERY_MS).unref();
      connectNext();
      break;
    case 'stop-connect':
      connectStopped = true;
      reportProgress(true);
      break;
    case 'run':
      startRun(message);
      break;
    case 'observed': {
      const r = remoteSeen[remoteIndex.get(message.workerIndex)!]!;
      for (let i = 0; i < r.length; i++) r[i] = Math.max(r[i]!, message.next[i] ?? 0);
      for (const s of senders) updateAck(s);
      if (dirtySenders.length > 0) flushClosedLoop();
      break;
    }
    case 'stats':
      send({
        type: 'stats',
        workerIndex: init.workerIndex,
        connected: connectedCount,
        closedByServer,
        tlsRetries,
        delivered,
        bytes: bytesRead,
        duplicates,
        outOfOrder,
        otherLines,
        notices,
        latency,
        maxLatencyNs,
        firstDeliveryNs,
        lastDeliveryNs,
        reads,
        cpuS: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(cpuMark)),
        systemCpuS: process.cpuUsage(cpuMark).system / 1e6,
        eventLoopUtilization: performance.eventLoopUtilization(eluMark).utilization,
        noticeCounts: message.withNoticeCounts ? clients.filter((c) => c.connected).map((c) => c.notices) : null,
        orderDigests: orderCheck
          ? clients.filter((c) => c.connected).map((c) => `${(c.orderA >>> 0).toString(16)}:${(c.orderB >>> 0).toString(16)}`)
          : null,
      });
      break;
    case 'exit':
      connectStopped = true;
      for (const c of clients) c.socket?.destroy();
      // A plain return lets --cpu-prof write its profile; exit once the sockets are gone.
      process.disconnect();
      setImmediate(() => process.exit(0));
  }
}

process.on('message', (m) => onMessage(m as ToWorker));
process.on('disconnect', () => process.exit(0));
