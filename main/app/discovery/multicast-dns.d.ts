/**
 * The part of multicast-dns (the engine bonjour-service is built on) that discovery uses,
 * typed after its README and dns-packet's decoded shapes. Only what main/app/discovery needs.
 */
declare module 'multicast-dns' {
  import type { Socket } from 'node:dgram';
  import type { EventEmitter } from 'node:events';

  namespace multicastDns {
    interface Question {
      name: string;
      type: string;
      class?: string;
    }
    interface SrvData {
      port: number;
      target: string;
      priority?: number;
      weight?: number;
    }
    interface Answer {
      name: string;
      type: string;
      ttl?: number;
      class?: string;
      /** The cache-flush bit: this set of records replaces whatever the cache holds for the name. */
      flush?: boolean;
      data: unknown;
    }
    interface Packet {
      type?: 'query' | 'response';
      id?: number;
      flags?: number;
      questions?: Question[];
      answers?: Answer[];
      authorities?: Answer[];
      additionals?: Answer[];
    }
    interface RemoteInfo {
      address: string;
      family: string;
      port: number;
      size: number;
    }
    interface Options {
      port?: number;
      type?: 'udp4' | 'udp6';
      ip?: string;
      /** The interface to send on and to join the group on (an address; `::%name` for IPv6). */
      interface?: string;
      bind?: string | false;
      multicast?: boolean;
      ttl?: number;
      loopback?: boolean;
      reuseAddr?: boolean;
      socket?: Socket;
    }
    interface Target {
      address?: string;
      host?: string;
      port: number;
    }
    interface MulticastDns extends EventEmitter {
      query(packet: Packet, target?: Target, callback?: (error: Error | null) => void): void;
      respond(packet: Packet, target?: Target, callback?: (error: Error | null) => void): void;
      destroy(callback?: () => void): void;
      on(event: 'query' | 'response' | 'packet', listener: (packet: Packet, rinfo: RemoteInfo) => void): this;
      on(event: 'error' | 'warning', listener: (error: Error) => void): this;
      on(event: 'ready' | 'networkInterface', listener: () => void): this;
      once(event: 'ready', listener: () => void): this;
      once(event: 'error', listener: (error: Error) => void): this;
      removeListener(event: string, listener: (...args: never[]) => void): this;
    }
  }
  function multicastDns(options?: multicastDns.Options): multicastDns.MulticastDns;
  export = multicastDns;
}
