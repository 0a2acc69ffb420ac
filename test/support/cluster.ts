/**
 * Cluster tests: headless servers ("nodes") as real child processes on one real redis-server,
 * and raw clients on them; everything is stopped after the test.
 */
import type { Redis } from 'ioredis';
import { useCleanup } from './cleanup';
import { spawnServer, type ServerProcess, type SpawnOptions } from './headless-server';
import { RawClient, frame } from './raw-client';
import { RedisServer, type RedisServerOptions } from './redis-server';
import { TcpProxy, type ProxyOptions } from './tcp-proxy';

export interface ClusterNode {
  process: ServerProcess;
  port: number;
}

export interface ClusterFixture {
  redis(options?: RedisServerOptions): Promise<RedisServer>;
  /** A node of the room at `url` (extra options after it), once it listens. */
  node(url: string, extra?: string[], options?: SpawnOptions): Promise<ClusterNode>;
  /** A node that may not get as far as listening (bad options, bad password). */
  spawn(args: string[], options?: SpawnOptions): ServerProcess;
  client(node: ClusterNode): Promise<RawClient>;
  /** A TCP proxy in front of `port` (say, a node's way to Redis). */
  proxy(port: number, options?: ProxyOptions): Promise<TcpProxy>;
}

/** Call once per test file: `redis(options)` starts a redis-server that is removed after the test. */
export function useRedis(): (options?: RedisServerOptions) => Promise<RedisServer> {
  const defer = useCleanup();
  return async (options) => {
    const server = await RedisServer.start(options);
    defer(() => server.close());
    return server;
  };
}

/** Call once per test file. */
export function useCluster(): ClusterFixture {
  const defer = useCleanup();
  const redis = useRedis();
  const spawn = (args: string[], options?: SpawnOptions): ServerProcess => {
    const child = spawnServer(args, options);
    defer(() => child.kill());
    return child;
  };
  return {
    redis,
    spawn,
    async node(url, extra = [], options) {
      const process = spawn(['--port', '0', '--host', '127.0.0.1', '--cluster', url, ...extra], options);
      const { port } = await process.listening();
      return { process, port };
    },
    async client(node) {
      const client = await RawClient.connect(node.port);
      defer(() => client.destroy());
      return client;
    },
    async proxy(port, options) {
      const proxy = await TcpProxy.start(port, options);
      defer(() => proxy.close());
      return proxy;
    },
  };
}

/** Says `text` and waits for it to come back: from then on the client is in the room's order. */
export async function enter(client: RawClient, text = `hello from ${client.label}`, timeoutMs?: number): Promise<void> {
  await client.write(`${text}\n`);
  await client.waitForText(frame(client, text), timeoutMs);
}

/** The complete lines a client received from the first line equal to `marker` on (inclusive). */
export function linesFrom(client: RawClient, marker: string): string[] {
  const lines = client.lines();
  const at = lines.indexOf(marker);
  return at < 0 ? [] : lines.slice(at);
}

/** How often `line` occurs as a whole line. */
export function count(client: RawClient, line: string): number {
  return client.lines().filter((received) => received === line).length;
}

/** A node's id, from the line it logs when it joins the cluster. */
export async function nodeIdOf(node: ClusterNode): Promise<string> {
  const pattern = /joined the cluster at .* as node ([0-9a-f]{12}) /;
  await node.process.waitForStderr(pattern);
  return pattern.exec(node.process.stderr())![1]!;
}

/**
 * Writes into a room's stream as anything with write access to Redis can: `XADD` with the
 * ordinal Redis's own count gives the entry, so no node sees a gap.
 */
export class StreamForger {
  readonly stream: string;
  private readonly prefix: string;

  constructor(
    private readonly db: Redis,
    room = 'tincan',
  ) {
    this.prefix = `tincan:{${room}}:`;
    this.stream = `${this.prefix}stream`;
  }

  /** Nodes this forger made records for (`register`): it records their entries' ids as APPEND would. */
  private readonly registered = new Set<string>();

  async add(fields: string[]): Promise<void> {
    const info = (await this.db.xinfo('STREAM', this.stream)) as unknown[];
    const ordinal = Number(info[info.indexOf('entries-added') + 1]) + 1;
    const node = fields[fields.indexOf('n') + 1];
    const seq = fields.indexOf('s') >= 0 ? fields[fields.indexOf('s') + 1] : undefined;
    if (node !== undefined && seq !== undefined && this.registered.has(node)) {
      // In one script, so no node reads the entry before its id is recorded.
      const script = "local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2)) redis.call('HSET', KEYS[2], ARGV[1], id) return id";
      await this.db.eval(script, 2, this.stream, `${this.prefix}ids:${node}`, seq, 'o', String(ordinal), ...fields);
      return;
    }
    await this.db.xadd(this.stream, '*', 'o', String(ordinal), ...fields);
  }

  /** The last sequence number Redis records for `node` (0 if none). */
  async lastSeq(node: string): Promise<number> {
    return Number((await this.db.hget(`${this.prefix}seq`, node)) ?? 0);
  }

  /** What a compromised node can do besides: have a sequence record of its own, and record its entries' ids. */
  async register(node: string, lastSeq: number): Promise<void> {
    this.registered.add(node);
    await this.db.hset(`${this.prefix}seq`, node, String(lastSeq));
  }
}
