/** The bench's scenarios: sizes, load shapes and time budgets. */
import type { AttackSpec } from './attack';
import type { LoadSpec } from './coordinator';
import type { ServerKind } from './servers';

export type ScenarioName =
  | 'room'
  | 'saturate'
  | 'big'
  | 'scale'
  | 'attack'
  | 'cluster-room'
  | 'cluster-saturate'
  | 'tls-saturate'
  | 'tls-room'
  | 'tls-attack';
/** What `npm run bench` runs when no scenario is named. */
export const SCENARIOS: readonly ScenarioName[] = ['room', 'saturate', 'big', 'scale', 'attack'];
/**
 * `npm run bench -- cluster`: the room and saturate loads on one node and on a 3-node
 * cluster in the same run (servers `tincan` and `cluster`), each client's order checked.
 */
export const CLUSTER_SCENARIOS: readonly ScenarioName[] = ['cluster-room', 'cluster-saturate'];
/**
 * `npm run bench -- tls`: saturate, room and the pause attack with every client on TLS,
 * against Tincan, the C reference behind stunnel, and `ncat --ssl --chat`, one certificate for all.
 */
export const TLS_SCENARIOS: readonly ScenarioName[] = ['tls-saturate', 'tls-room', 'tls-attack'];
export const ALL_SCENARIOS: readonly ScenarioName[] = [...SCENARIOS, ...CLUSTER_SCENARIOS, ...TLS_SCENARIOS];

/** A TLS scenario's plain-text twin: the same load, the same figures. */
export function plainTwin(name: ScenarioName): ScenarioName {
  return TLS_SCENARIOS.includes(name) ? (name.slice('tls-'.length) as ScenarioName) : name;
}

/** The servers a scenario runs against when --server is not given. */
export function defaultServers(name: ScenarioName): ServerKind[] {
  // The attack is judged against the C reference's figures under the same attack.
  if (name === 'attack' || TLS_SCENARIOS.includes(name)) return ['tincan', 'ref-c', 'ncat'];
  return CLUSTER_SCENARIOS.includes(name) ? ['tincan', 'cluster'] : ['tincan', 'ncat'];
}

export interface ScenarioPlan {
  name: ScenarioName;
  description: string;
  /** The main load (every scenario but attack). */
  main?: LoadSpec;
  /** scale only: a separate 10,000-client join storm on a fresh server. */
  storm?: LoadSpec;
  /** attack only. */
  attack?: AttackSpec;
  /** Every client speaks TLS. */
  tls: boolean;
}

export interface PlanOptions {
  quick: boolean;
  workers: number;
  /** Overrides every traffic phase's duration. */
  durationMs?: number;
  server: ServerKind;
}

const LINE_BYTES = 64;

export function planScenario(name: ScenarioName, o: PlanOptions): ScenarioPlan {
  if (TLS_SCENARIOS.includes(name)) {
    const plain = planScenario(plainTwin(name), o);
    // Tincan takes at most 128 handshakes at once (the workers give each TLS client a source
    // address of its own, so the bound per address is never reached): 16 per worker stays under.
    const main = plain.main ? { ...plain.main, connectConcurrency: Math.min(plain.main.connectConcurrency, 16) } : undefined;
    return {
      ...plain,
      ...(main ? { main } : {}),
      name,
      description: `every client on TLS (ECDSA P-256; ref-c behind stunnel, ncat --ssl): ${plain.description}`,
      tls: true,
    };
  }
  return planPlain(name, o);
}

function planPlain(name: ScenarioName, o: PlanOptions): ScenarioPlan {
  const traffic = o.durationMs ?? (o.quick ? 3_000 : 10_000);
  // ncat accepts slowly; its large runs get a fixed budget and report how far they got.
  const slowBudget = o.server === 'ncat' ? (o.quick ? 15_000 : 60_000) : 120_000;
  const common = {
    lineBytes: LINE_BYTES,
    workers: o.workers,
    // Per worker. ncat listens with a backlog of 10: more handshakes in flight than that
    // are dropped and retried on TCP's back-off timers (seconds), which would time the
    // kernel instead of ncat. Tincan listens with a backlog of 4,096.
    connectConcurrency: o.server === 'ncat' ? 4 : 64,
    drainStallMs: 5_000,
    probeClients: 1,
    connectBudgetMs: 30_000,
    durationMs: traffic,
  };
  switch (name) {
    case 'attack':
      return {
        name,
        tls: false,
        description: 'the pause attack: 80 clients that never read (reconnecting when cut) and a 4 MiB/s flood from one address; an honest pair chats at 100 lines/s each',
        attack: {
          nonReaders: 80,
          floodBytesPerSecond: 4 * 1024 * 1024,
          honestLinesPerSecond: 100,
          honestLineBytes: LINE_BYTES,
          durationMs: o.durationMs ?? (o.quick ? 5_000 : 10_000),
          drainMs: 5_000,
        },
      };
    case 'room':
      return {
        name,
        tls: false,
        description: '100 clients, 10 senders, open loop 2,000 lines/s total, 64-byte lines',
        main: { ...common, clients: 100, senders: 10, load: { mode: 'open', linesPerSecond: 2_000 } },
      };
    case 'saturate':
      return {
        name,
        tls: false,
        description: '200 clients, 20 senders, closed loop W=8, 64-byte lines',
        main: { ...common, clients: 200, senders: 20, load: { mode: 'closed', window: 8 } },
      };
    case 'big':
      return {
        name,
        tls: false,
        description: '5,000 clients (join storm), 10 senders, closed loop W=4, 64-byte lines',
        main: { ...common, clients: 5_000, senders: 10, load: { mode: 'closed', window: 4 }, connectBudgetMs: slowBudget },
      };
    case 'cluster-room':
      return {
        name,
        tls: false,
        description: 'the room load (100 clients, 10 senders, 2,000 lines/s) on one node and on 3 nodes + Redis, clients spread over the nodes, order checked',
        main: { ...common, clients: 100, senders: 10, load: { mode: 'open', linesPerSecond: 2_000 }, orderCheck: true },
      };
    case 'cluster-saturate':
      return {
        name,
        tls: false,
        description: 'the saturate load (200 clients, 20 senders, W=8) on one node and on 3 nodes + Redis, order checked',
        main: { ...common, clients: 200, senders: 20, load: { mode: 'closed', window: 8 }, orderCheck: true },
      };
    case 'scale':
      return {
        name,
        tls: false,
        description: 'idle: as many clients as the server descriptor limit allows; plus a 10,000-client join storm',
        main: {
          ...common,
          clients: 'max',
          ...(o.quick ? { maxClientsCap: 19_000 } : {}),
          senders: 0,
          load: { mode: 'idle' },
          connectBudgetMs: o.server === 'ncat' ? slowBudget : o.quick ? 120_000 : 300_000,
        },
        storm: { ...common, clients: 10_000, senders: 0, load: { mode: 'idle' }, connectBudgetMs: slowBudget },
      };
    default:
      throw new Error(`${name} is not a plain-text scenario`);
  }
}
