/**
 * A TCP proxy on a free loopback port in front of another port, for network faults that hit
 * one party only: replies delayed on chosen connections (chosen by what the client sends
 * first), or every connection cut.
 */
import net from 'node:net';

export interface ProxyOptions {
  /** Delay, in ms, for what the target sends back on a connection that opened with `firstBytes` (0: none). */
  delayReplies?: (firstBytes: Buffer) => number;
}

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  port = 0;

  private constructor(
    private readonly targetPort: number,
    private readonly options: ProxyOptions,
  ) {
    this.server = net.createServer((client) => this.relay(client));
  }

  static async start(targetPort: number, options: ProxyOptions = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort, options);
    proxy.port = await new Promise<number>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve((proxy.server.address() as net.AddressInfo).port));
    });
    return proxy;
  }

  private relay(client: net.Socket): void {
    const target = net.connect({ host: '127.0.0.1', port: this.targetPort });
    this.sockets.add(client);
    this.sockets.add(target);
    let delayMs: number | null = null;
    const close = () => {
      client.destroy();
      target.destroy();
      this.sockets.delete(client);
      this.sockets.delete(target);
    };
    client.on('error', close).on('close', close);
    target.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      delayMs ??= this.options.delayReplies?.(chunk) ?? 0;
      target.write(chunk);
    });
    target.on('data', (chunk: Buffer) => {
      if (!delayMs) client.write(chunk);
      else setTimeout(() => client.write(chunk), delayMs); // timers of equal delay keep their order
    });
  }

  /** Cuts every connection (new ones still get through). */
  cut(): void {
    for (const socket of [...this.sockets]) socket.destroy();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
