/**
 * Two (or more) hosts on one LAN for the discovery tests: a network namespace per host, each
 * with an interface `lan0` on a bridge that lives in a namespace of its own, so nothing is
 * added to the machine's own network. Names are unique per run; destroy() removes them all
 * (and is safe to call twice). Needs root, iproute2 and nftables, as CI has.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Signal } from '../../support/wait';

export const ROOT = path.resolve(__dirname, '../../..');
export const AGENT = path.join(ROOT, 'test/app/discovery/fixtures/agent.ts');
export const FLOOD = path.join(ROOT, 'test/app/discovery/fixtures/flood.ts');
export const ONE_SHOT = path.join(ROOT, 'test/app/discovery/fixtures/one-shot-query.ts');
export const ZEROCONF_AGENT = path.join(ROOT, 'test/app/discovery/fixtures/zeroconf-agent.py');
export const SERVE = path.join(ROOT, 'main/headless/serve.ts');
export const SYSTEM_PYTHON = '/usr/bin/python3';

function run(args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Host {
  ns: string;
  /** The IPv4 address of the host's lan0 (10.X.Y.N/24). */
  address: string;
  ipv6: string;
}

export class Lan {
  readonly hosts: Host[] = [];
  private readonly namespaces: string[] = [];
  private readonly bridge: string;
  private readonly subnet: number;
  private destroyed = false;

  /** Hosts `a`, `b`, … at 10.<subnet>.0.1, .2, … on one bridge. */
  constructor(count = 2) {
    const tag = randomBytes(3).toString('hex');
    this.subnet = 100 + (randomBytes(1)[0]! % 100);
    this.bridge = `tcbr${tag}`;
    try {
      this.addNamespace(this.bridge);
      run(['ip', '-n', this.bridge, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0']);
      run(['ip', '-n', this.bridge, 'link', 'set', 'br0', 'up']);
      for (let i = 0; i < count; i++) this.addHost(`tc${tag}${String.fromCharCode(97 + i)}`, i + 1, 'lan0', this.subnet);
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** Another interface `name` on every host, on a second subnet (a host on two networks). */
  addInterface(name: string, subnet: number, hostIndexes: number[]): void {
    const bridge = `br${name}`;
    run(['ip', '-n', this.bridge, 'link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
    run(['ip', '-n', this.bridge, 'link', 'set', bridge, 'up']);
    for (const index of hostIndexes) {
      const host = this.hosts[index]!;
      const port = `p${name}${index}`;
      run(['ip', 'link', 'add', name, 'netns', host.ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.bridge]);
      run(['ip', '-n', this.bridge, 'link', 'set', port, 'master', bridge]);
      run(['ip', '-n', this.bridge, 'link', 'set', port, 'up']);
      run(['ip', '-n', host.ns, 'addr', 'add', `10.${subnet}.0.${index + 1}/24`, 'dev', name]);
      run(['ip', '-n', host.ns, 'link', 'set', name, 'up']);
    }
  }

  /** Takes interface `name` away from the given hosts (a cable pulled). */
  removeInterface(name: string, hostIndexes: number[]): void {
    for (const index of hostIndexes) run(['ip', '-n', this.hosts[index]!.ns, 'link', 'del', name]);
  }

  /** Drops multicast DNS (UDP 5353, both ways) on one host, as some Wi-Fi networks do. */
  dropMulticastDns(host: Host): void {
    const rules = [
      'add table inet tincan_test',
      'add chain inet tincan_test input { type filter hook input priority 0 ; }',
      'add chain inet tincan_test output { type filter hook output priority 0 ; }',
      'add rule inet tincan_test input udp dport 5353 drop',
      'add rule inet tincan_test output udp dport 5353 drop',
    ];
    for (const rule of rules) run(['ip', 'netns', 'exec', host.ns, 'nft', ...rule.split(' ')]);
  }

  /** Removes every namespace (and so every interface) this LAN made. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const ns of this.namespaces.reverse()) {
      try {
        run(['ip', 'netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  }

  private addNamespace(ns: string): void {
    run(['ip', 'netns', 'add', ns]);
    this.namespaces.push(ns);
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    // No duplicate-address detection: link-local IPv6 is usable at once, not after ~2 s.
    run(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0']);
  }

  private addHost(ns: string, n: number, name: string, subnet: number): void {
    this.addNamespace(ns);
    const port = `p${n}`;
    run(['ip', 'link', 'add', name, 'netns', ns, 'type', 'veth', 'peer', 'name', port, 'netns', this.bridge]);
    run(['ip', '-n', this.bridge, 'link', 'set', port, 'master', 'br0']);
    run(['ip', '-n', this.bridge, 'link', 'set', port, 'up']);
    const address = `10.${subnet}.0.${n}`;
    const ipv6 = `fd77:${subnet}::${n}`;
    run(['ip', '-n', ns, 'addr', 'add', `${address}/24`, 'dev', name]);
    run(['ip', '-n', ns, '-6', 'addr', 'add', `${ipv6}/64`, 'dev', name, 'nodad']);
    run(['ip', '-n', ns, 'link', 'set', name, 'up']);
    // No default route in a namespace: multicast needs a route of its own (else ENETUNREACH).
    run(['ip', '-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', name]);
    this.hosts.push({ ns, address, ipv6 });
  }
}

export interface AgentEvent {
  event: string;
  at: number;
  [key: string]: unknown;
}

/** A child process inside a namespace that prints JSON lines; every wait is bounded. */
export class Agent {
  readonly events: AgentEvent[] = [];
  readonly child: ChildProcessWithoutNullStreams;
  private stderrText = '';
  private stdoutRest = '';
  private readonly changed = new Signal();
  private exitCode: number | string | null = null;

  constructor(ns: string, command: string[], readonly label: string) {
    this.child = spawn('ip', ['netns', 'exec', ns, ...command], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, NODE_OPTIONS: '' } });
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      const lines = (this.stdoutRest + text).split('\n');
      this.stdoutRest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.events.push(JSON.parse(line) as AgentEvent);
        } catch {
          this.events.push({ event: 'text', at: Date.now(), text: line });
        }
      }
      this.notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.stderrText += text;
      this.notify();
    });
    this.child.on('exit', (code, signal) => {
      this.exitCode = code ?? signal ?? -1;
      this.notify();
    });
  }

  static node(ns: string, script: string, args: string[], label: string): Agent {
    return new Agent(ns, [process.execPath, '--import', 'tsx', script, ...args], label);
  }

  get stderr(): string {
    return this.stderrText;
  }

  get exited(): boolean {
    return this.exitCode !== null;
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Resolves with the first event (from the start) for which `match` holds. */
  waitFor(match: (event: AgentEvent) => boolean, what: string, timeoutMs = 15_000): Promise<AgentEvent> {
    return this.waitUntil(() => this.events.find(match) ?? null, what, timeoutMs);
  }

  /** Resolves once `read()` returns something other than null, checked after every output. */
  async waitUntil<T>(read: () => T | null, what: string, timeoutMs = 15_000): Promise<T> {
    let value: T | null = null;
    await this.changed.until(
      () => (value = read()) !== null,
      () => `${what} (${this.label}); stderr: ${this.stderrText.slice(-2000)}; events: ${JSON.stringify(this.events.slice(-5)).slice(0, 3000)}`,
      timeoutMs,
      () => (this.exitCode === null ? null : `${this.label} exited (${this.exitCode})`),
    );
    return value as T;
  }

  waitForStderr(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    return this.waitUntil(() => pattern.exec(this.stderrText)?.[0] ?? null, `stderr to show ${String(pattern)}`, timeoutMs);
  }

  async waitForExit(timeoutMs = 10_000): Promise<number | string> {
    await this.changed.until(() => this.exitCode !== null, `${this.label} to exit`, timeoutMs);
    return this.exitCode ?? -1;
  }

  /** Ends the process: closes stdin (the agents' "close"), then SIGKILL if it lingers. */
  async stop(timeoutMs = 5000): Promise<void> {
    if (this.exitCode !== null) return;
    this.child.stdin.end();
    await this.waitForExit(timeoutMs).catch(() => this.kill());
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitCode === null) this.child.kill(signal);
  }

  private notify(): void {
    this.changed.notify();
  }
}
