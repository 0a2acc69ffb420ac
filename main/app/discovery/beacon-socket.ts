/**
 * The UDP socket of the beacon (format in beacon.ts): bound to *:PORT with SO_REUSEADDR, so
 * a room and a finder on one machine, or two finders, can share the port; broadcasts allowed.
 * Datagrams longer than a beacon are dropped before anyone looks at them.
 */
import dgram from 'node:dgram';
import { MAX_BEACON_BYTES } from './beacon';
import { directedBroadcast, type DiscoveryInterface } from './interfaces';

export interface BeaconSocketOptions {
  port: number;
  onMessage: (datagram: Buffer, sender: { address: string; port: number }) => void;
  onError: (error: Error) => void;
}

export class BeaconSocket {
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    readonly port: number,
  ) {}

  /** Binds the port; rejects (with the OS's reason) when it cannot. */
  static open(options: BeaconSocketOptions): Promise<BeaconSocket> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port: options.port, address: '0.0.0.0', exclusive: false }, () => {
        socket.off('error', reject);
        socket.setBroadcast(true);
        const beacon = new BeaconSocket(socket, options.port);
        socket.on('error', (error) => {
          if (!beacon.closed) options.onError(error);
        });
        socket.on('message', (datagram, rinfo) => {
          if (beacon.closed || datagram.length > MAX_BEACON_BYTES) return;
          options.onMessage(datagram, { address: rinfo.address, port: rinfo.port });
        });
        resolve(beacon);
      });
    });
  }

  send(datagram: Buffer, address: string, port: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      // A send that fails (interface just went down, EHOSTUNREACH) is the next beacon's job.
      this.socket.send(datagram, port, address, () => resolve());
    });
  }

  /** Sends to the directed broadcast address of every IPv4 address of `interfaces`. */
  async broadcast(datagram: Buffer, interfaces: readonly DiscoveryInterface[], port: number): Promise<void> {
    const targets = new Set<string>();
    for (const iface of interfaces) {
      for (const address of iface.ipv4) {
        const target = directedBroadcast(address.address, address.prefix);
        if (target) targets.add(target);
      }
    }
    await Promise.all([...targets].map((target) => this.send(datagram, target, port)));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
