/**
 * A real redis-server (Debian's, /usr/bin/redis-server) for the tests and the bench: its own
 * temp directory, a free loopback port, no snapshots; append-only file, password and extra
 * settings on request. It can be stopped, killed and started again on the same port with the
 * same files. (`useRedis()` in cluster.ts closes it after a test.)
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports';
import { Signal } from './wait';

export const REDIS_SERVER = '/usr/bin/redis-server';
const READY_MS = 10_000;
const EXIT_MS = 10_000;

export interface RedisServerOptions {
  /** `requirepass`: clients must AUTH with it. */
  password?: string;
  /** Append-only file, so a restart keeps the data; fsync on every write (default) even survives SIGKILL. */
  appendOnly?: boolean;
  fsync?: 'always' | 'everysec';
  /** More `--name value` settings, e.g. ['--maxmemory', '10mb']. */
  settings?: string[];
  /**
   * TLS only (`rediss://`), with a certificate for 127.0.0.1 and localhost signed by a CA
   * made for this server (`caFile`; clients must be told to trust it).
   */
  tls?: boolean;
}

export class RedisServer {
  private child: ChildProcessWithoutNullStreams | null = null;
  private output = '';
  private readonly changed = new Signal();
  private exitedWith: number | string | null = null;
  private readonly clients: Redis[] = [];

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tincan-redis-'));
    const server = new RedisServer(await freePort(), dir, options);
    try {
      await server.launch();
    } catch (error) {
      server.kill();
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** `redis://[:password@]127.0.0.1:PORT` (`rediss://` with tls). */
  get url(): string {
    const login = this.options.password === undefined ? '' : `:${encodeURIComponent(this.options.password)}@`;
    return `${this.options.tls ? 'rediss' : 'redis'}://${login}127.0.0.1:${this.port}`;
  }

  /** With tls: the CA that signed the server's certificate. */
  get caFile(): string {
    return path.join(this.dir, 'ca.pem');
  }

  // A CA and a server certificate (SAN 127.0.0.1, localhost), once per server directory.
  private makeCertificates(): void {
    if (fs.existsSync(this.caFile)) return;
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: this.dir, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=tincan test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
    fs.writeFileSync(path.join(this.dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.pem');
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.exitedWith === null;
  }

  private launch(): Promise<void> {
    if (this.options.tls) this.makeCertificates();
    const listen = this.options.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', 'server.pem', '--tls-key-file', 'server.key',
        '--tls-ca-cert-file', 'ca.pem', '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const args = [
      ...listen,
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', this.options.appendOnly ? 'yes' : 'no',
      '--daemonize', 'no',
      '--logfile', '',
      '--loglevel', 'notice',
    ];
    if (this.options.appendOnly) args.push('--appendfsync', this.options.fsync ?? 'always');
    if (this.options.password !== undefined) args.push('--requirepass', this.options.password);
    args.push(...(this.options.settings ?? []));
    const child = spawn(REDIS_SERVER, args, { cwd: this.dir, stdio: 'pipe' });
    this.child = child;
    this.exitedWith = null;
    this.output = '';
    const collect = (text: string) => {
      this.output = (this.output + text).slice(-20_000);
      this.changed.notify();
    };
    child.stdout.setEncoding('utf8').on('data', collect);
    child.stderr.setEncoding('utf8').on('data', collect);
    child.on('exit', (code, signal) => {
      if (this.child === child) this.exitedWith = code ?? signal ?? -1;
      this.changed.notify();
    });
    return this.changed.until(
      () => this.output.includes('Ready to accept connections'),
      () => `redis-server on port ${this.port} to be ready; it logged: ${this.output}`,
      READY_MS,
      () => (this.exitedWith === null ? null : `redis-server exited (${this.exitedWith}): ${this.output}`),
    );
  }

  private async waitForExit(): Promise<void> {
    await this.changed.until(() => this.exitedWith !== null, `redis-server on port ${this.port} to exit`, EXIT_MS);
  }

  /** SIGTERM and wait for the exit (it writes its append-only file, if any, first). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    await this.waitForExit();
  }

  /** SIGKILL: gone at once, as in a crash. */
  kill(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  async killAndWait(): Promise<void> {
    if (!this.running) return;
    this.kill();
    await this.waitForExit();
  }

  /** Starts it again on the same port with the same directory (and so the same append-only file). */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    await this.launch();
  }

  /** A client for the test itself (closed with the server). */
  client(): Redis {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.port,
      ...(this.options.tls ? { tls: { ca: fs.readFileSync(this.caFile) } } : {}),
      password: this.options.password,
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => 50,
    });
    client.on('error', () => {}); // restarts are part of the tests
    this.clients.push(client);
    return client;
  }

  /** Stops the server, closes the test's clients and removes the directory. */
  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) client.disconnect();
    await this.killAndWait();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
