/**
 * The UDP socket of the beacon (format in beacon.ts): bound to *:PORT with SO_REUSEADDR, so
 * a room and a finder on one machine, or two finders, can share the port; broadcasts allowed.
 * Datagrams longer than a beacon are dropped before anyone looks at them.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { MAX_BEACON_BYTES } from './beacon';
import { directedBroadcast, type DiscoveryInterface } from './interfaces';

export interface BeaconSocketOptions {
  port: number;
  onMessage: (datagram: Buffer, sender: { address: string; port: number }) => void;
  onError: (error: Error) => void;
  /**
   * Also hear unicast on IPv6 (*:PORT, IPv6 only): a joiner who typed a room's IPv6 address
   * asks there whether it speaks TLS (join.ts). Beacons themselves are IPv4 broadcasts.
   * Where IPv6 is unavailable this is left out, quietly.
   */
  ipv6?: boolean;
}

function bind(type: 'udp4' | 'udp6', port: number): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type, reuseAddr: true, ...(type === 'udp6' && { ipv6Only: true }) });
  return new Promise((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ port, address: type === 'udp6' ? '::' : '0.0.0.0', exclusive: false }, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

export class BeaconSocket {
  private closed = false;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly socket6: dgram.Socket | null,
    readonly port: number,
  ) {}

  /** Binds the port; rejects (with the OS's reason) when it cannot. */
  static async open(options: BeaconSocketOptions): Promise<BeaconSocket> {
    const socket = await bind('udp4', options.port);
    socket.setBroadcast(true);
    const socket6 = options.ipv6 === true ? await bind('udp6', options.port).catch(() => null) : null;
    const beacon = new BeaconSocket(socket, socket6, options.port);
    for (const each of socket6 === null ? [socket] : [socket, socket6]) {
      each.on('error', (error) => {
        if (!beacon.closed) options.onError(error);
      });
      each.on('message', (datagram, rinfo) => {
        if (beacon.closed || datagram.length > MAX_BEACON_BYTES) return;
        options.onMessage(datagram, { address: rinfo.address, port: rinfo.port });
      });
    }
    return beacon;
  }

  send(datagram: Buffer, address: string, port: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    const socket = net.isIPv6(address.replace(/%.*$/, '')) ? this.socket6 : this.socket;
    if (socket === null) return Promise.resolve();
    return new Promise((resolve) => {
      // A send that fails (interface just went down, EHOSTUNREACH) is the next beacon's job.
      socket.send(datagram, port, address, () => resolve());
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const sockets = this.socket6 === null ? [this.socket] : [this.socket, this.socket6];
    await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve()))));
  }
}
