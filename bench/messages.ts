/** IPC between the bench coordinator (bench/coordinator.ts) and its load worker processes. */
import type { Dialect } from './lines';

export interface WorkerInit {
  type: 'init';
  workerIndex: number;
  host: string;
  port: number;
  /** Several servers of one room (a cluster): client i connects to ports[i % ports.length]. */
  ports?: number[];
  /** Keep a digest of the order in which each client received the bench lines. */
  orderCheck?: boolean;
  dialect: Dialect;
  /** Clients speak TLS (the server's certificate is the bench's own, not checked). */
  tls?: boolean;
  lineBytes: number;
  /** Total senders in the run; sender ids are 0..senders-1 and equal their client index. */
  senders: number;
  /** Global client indices this worker owns, in the order it connects them. */
  clients: number[];
  /** Shared monotonic origin (process.hrtime.bigint() as a decimal string). */
  baseNs: string;
  /** Connects a worker keeps in flight at once. */
  connectConcurrency: number;
  /** How many workers the run has. */
  workers: number;
}

/** A worker observer's progress (next expected sequence per sender), relayed to the other workers. */
export interface ObservedProgress {
  type: 'observed';
  workerIndex: number;
  next: number[];
}

export interface ConnectCommand {
  type: 'connect';
}

/** Stop opening new connections (the scenario's time budget ran out). */
export interface StopConnectCommand {
  type: 'stop-connect';
}

export interface RunCommand {
  type: 'run';
  mode: 'open' | 'closed';
  /** ns since base at which senders start. */
  startNs: number;
  durationMs: number;
  /** Open loop: lines per second per sender. */
  ratePerSender: number;
  /** Closed loop: lines in flight per sender. */
  window: number;
}

export interface StatsRequest {
  type: 'stats';
  /** Also send every client's connected-notice count. */
  withNoticeCounts: boolean;
}

export interface ExitCommand {
  type: 'exit';
}

export type ToWorker = ObservedProgress | WorkerInit | ConnectCommand | StopConnectCommand | RunCommand | StatsRequest | ExitCommand;

export interface ConnectProgress {
  type: 'progress';
  workerIndex: number;
  /** Sockets that completed the TCP handshake. */
  connected: number;
  /** Sockets that failed to connect. */
  failed: number;
  /** Sockets the server closed or reset after connecting. */
  closedByServer: number;
  notices: number;
  /** ns since base of the read that brought the latest connected-notice; 0 if none. */
  lastNoticeNs: number;
  /** ns since base at which the latest socket finished connecting; 0 if none. */
  lastConnectNs: number;
  /** First few distinct error codes seen, for the report. */
  errors: string[];
}

export interface WorkerStats {
  type: 'stats';
  workerIndex: number;
  connected: number;
  closedByServer: number;
  /** TLS clients opened again after their handshake failed (worker.ts, TLS_RETRIES). */
  tlsRetries: number;
  /** Bench lines received since the run started. */
  delivered: number;
  /** Bytes read since the run started. */
  bytes: number;
  duplicates: number;
  /** Lines that skipped ahead of their sender's next sequence number. */
  outOfOrder: number;
  /** Lines that were neither bench lines nor connected-notices. */
  otherLines: number;
  notices: number;
  /** Latency histogram counts (see histogram.ts). */
  latency: number[];
  maxLatencyNs: number;
  firstDeliveryNs: number;
  lastDeliveryNs: number;
  /** Socket reads since the run started (bytes / reads = how well reads were batched). */
  reads: number;
  /** CPU seconds this worker used since the run (or join storm) started, and the kernel's share. */
  cpuS: number;
  systemCpuS: number;
  /** Fraction of that time its event loop was busy; near 1 means the generator was the limit. */
  eventLoopUtilization: number;
  noticeCounts: number[] | null;
  /** With `orderCheck`: per connected client, a digest of the sequence of bench lines it received. */
  orderDigests: string[] | null;
}

export interface SentReport {
  type: 'sent';
  workerIndex: number;
  /** Lines each local sender wrote: [senderId, count] pairs. */
  perSender: Array<[number, number]>;
}

export interface WorkerReady {
  type: 'ready';
  workerIndex: number;
}

export type FromWorker = ObservedProgress | ConnectProgress | WorkerStats | SentReport | WorkerReady;
