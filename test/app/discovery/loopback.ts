/**
 * Discovery on loopback only, for tests in this process: the finder's and announcer's
 * selection, a free UDP port for a room's beacon, waiting for the finder's list, and a forger
 * that sends beacons and multicast DNS answers from another loopback address (127.0.0.2 …),
 * as another host on the LAN would. Nothing leaves this machine.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import type multicastDns from 'multicast-dns';
import type { RoomFinder } from '../../../main/app/discovery/finder';
import type { DiscoveredRoom } from '../../../main/common/rooms';

const dnsPacket = createRequire(__filename)('dns-packet') as {
  encode: (packet: multicastDns.Packet) => Buffer;
  decode: (bytes: Buffer) => multicastDns.Packet;
};

export const LOOPBACK = { only: ['lo'] } as const;

export function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** The finder's list once `match` holds for it (now or at a later 'change'). */
export function waitForRooms(finder: RoomFinder, match: (rooms: DiscoveredRoom[]) => boolean, what: string, timeoutMs = 10_000): Promise<DiscoveredRoom[]> {
  if (match(finder.rooms)) return Promise.resolve(finder.rooms);
  return new Promise((resolve, reject) => {
    const onChange = (rooms: DiscoveredRoom[]) => {
      if (!match(rooms)) return;
      clearTimeout(timer);
      finder.off('change', onChange);
      resolve(rooms);
    };
    const timer = setTimeout(() => {
      finder.off('change', onChange);
      reject(new Error(`timed out waiting for ${what}; rooms: ${JSON.stringify(finder.rooms).slice(0, 2000)}`));
    }, timeoutMs);
    finder.on('change', onChange);
  });
}

export interface ForgedRoom {
  id?: string;
  name: string;
  port: number;
  ttl?: number;
  /** The beacon's `key`: the TLS key it claims, 64 hex digits. */
  key?: string;
}

/** Another "host" on loopback: sends what a hostile LAN host would, from `address`. */
export class LoopbackForger {
  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: string,
  ) {}

  static async open(address = '127.0.0.2'): Promise<LoopbackForger> {
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setBroadcast(true);
    socket.setMulticastInterface('127.0.0.1');
    socket.setMulticastLoopback(true);
    return new LoopbackForger(socket, address);
  }

  /** A room beacon, broadcast on loopback to `beaconPort` (the finder's). */
  beacon(room: ForgedRoom & { id: string }, beaconPort: number): Promise<void> {
    const fields = { tincan: 1, type: 'room', id: room.id, name: room.name, port: room.port, people: 1, proto: 1, app: '0.1.0', ttl: room.ttl ?? 30, ...(room.key !== undefined && { key: room.key }) };
    return this.send(Buffer.from(JSON.stringify(fields)), beaconPort, '127.255.255.255');
  }

  /** A `bye` beacon for room `id`. */
  bye(id: string, port: number, beaconPort: number): Promise<void> {
    return this.send(Buffer.from(JSON.stringify({ tincan: 1, type: 'bye', id, port })), beaconPort, '127.255.255.255');
  }

  /**
   * A multicast DNS answer for room `name`, with the TXT `id` when given, its SRV target
   * `target` and A records `addresses`; `ttl` 0 makes it a goodbye.
   */
  answer(room: ForgedRoom & { target: string; addresses: string[] }): Promise<void> {
    const ttl = room.ttl ?? 20;
    const fqdn = `${room.name}._tincan._tcp.local`;
    const txt = [Buffer.from('txtvers=1'), ...(room.id === undefined ? [] : [Buffer.from(`id=${room.id}`)])];
    const packet: multicastDns.Packet = {
      type: 'response',
      answers: [
        { name: '_tincan._tcp.local', type: 'PTR', ttl, data: fqdn },
        { name: fqdn, type: 'SRV', ttl, flush: true, data: { port: room.port, target: room.target, priority: 0, weight: 0 } },
        { name: fqdn, type: 'TXT', ttl, flush: true, data: txt },
        ...room.addresses.map((address): multicastDns.Answer => ({ name: room.target, type: 'A', ttl, flush: true, data: address })),
      ],
    };
    return this.send(dnsPacket.encode(packet), 5353, '224.0.0.251');
  }

  /**
   * Asks by multicast DNS from this socket's own port, as a one-shot resolver does (RFC 6762
   * §6.7: answered straight back to it), and resolves with the first reply that `match`es.
   */
  ask(query: multicastDns.Packet, match: (reply: multicastDns.Packet) => boolean, timeoutMs = 5000): Promise<multicastDns.Packet> {
    return new Promise((resolve, reject) => {
      const onMessage = (bytes: Buffer) => {
        let reply: multicastDns.Packet;
        try {
          reply = dnsPacket.decode(bytes);
        } catch {
          return;
        }
        if (reply.type !== 'response' || !match(reply)) return;
        done();
        resolve(reply);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no reply to ${JSON.stringify(query.questions)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.socket.off('message', onMessage);
      };
      this.socket.on('message', onMessage);
      this.send(dnsPacket.encode(query), 5353, '224.0.0.251').catch((error: unknown) => {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
  }

  private send(bytes: Buffer, port: number, address: string): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(bytes, port, address, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}
