/**
 * Who the host lets in: the room's password and the addresses it banned.
 *
 * Bounds, all by count: connections waiting to give the password (in total and per source
 * address, an IPv6 /64 being one), the addresses remembered for wrong passwords (the oldest
 * forgotten first once the table is full) and the ban list. Each wrong password costs its
 * address one try of a bucket (`attemptsPerMinute` at once, then that many a minute); an
 * address with none left is refused at accept, told when it may try again.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { TokenBucket } from '../common/token-bucket';
import { commandOf } from './room-commands';
import { isBlank, stripControls } from './sanitize';

export const MAX_PASSWORD_BYTES = 256;
export const DEFAULT_PASSWORD_WAIT_MS = 60_000;
export const DEFAULT_MAX_PASSWORD_WAITING = 64;
export const DEFAULT_MAX_PASSWORD_WAITING_PER_ADDRESS = 4;
export const DEFAULT_PASSWORD_ATTEMPTS_PER_MINUTE = 5;
export const DEFAULT_MAX_BANS = 1024;
/** Addresses remembered for their wrong passwords. */
const MAX_ATTEMPT_RECORDS = 4096;

export interface RoomGateOptions {
  password: string | null;
  maxWaiting: number;
  maxWaitingPerAddress: number;
  attemptsPerMinute: number;
  maxBans: number;
}

/** Why a connection is turned away at accept: its address is banned, out of tries, or too many wait. */
export type GateRefusal =
  | { kind: 'banned' }
  | { kind: 'password-attempts'; retryInSeconds: number }
  | { kind: 'password-waiting' };

/**
 * Why a password cannot be the room's, or null: it must survive the line cleaning a
 * newcomer's answer goes through (no control characters, not blank) and be short.
 */
export function passwordProblem(password: string): string | null {
  if (isBlank(password)) return 'the password is empty';
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) return `the password is longer than ${MAX_PASSWORD_BYTES} bytes`;
  if (stripControls(password) !== password) return 'the password holds control or invisible characters, which a terminal cannot send';
  // A newcomer's commands before its password wait for it (the app sends `/name` at once).
  if (commandOf(Buffer.from(password, 'utf8')) !== null) return 'the password cannot be a command such as /name or /who';
  return null;
}

function digest(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export class RoomGate {
  /** SHA-256 of the password: equal-length digests compare in constant time whatever was typed. */
  private readonly passwordDigest: Buffer | null;
  private readonly waitingFrom = new Map<string, number>();
  private waitingTotal = 0;
  private readonly attempts = new Map<string, TokenBucket>();
  private readonly bans = new Set<string>();

  constructor(private readonly options: RoomGateOptions) {
    if (options.password !== null) {
      const problem = passwordProblem(options.password);
      if (problem !== null) throw new RangeError(`Password refused: ${problem}.`);
    }
    this.passwordDigest = options.password === null ? null : digest(Buffer.from(options.password, 'utf8'));
  }

  get hasPassword(): boolean {
    return this.passwordDigest !== null;
  }

  get banCount(): number {
    return this.bans.size;
  }

  /** Connections waiting to give the password now. */
  get waiting(): number {
    return this.waitingTotal;
  }

  /**
   * A connection from `source` wants in: null when it may. `counted` false (loopback in a
   * room that does not limit it) skips the per-address tries and waiting count, not the total.
   */
  admit(source: string, counted: boolean, now: number): GateRefusal | null {
    if (this.bans.has(source)) return { kind: 'banned' };
    if (this.passwordDigest === null) return null;
    if (counted) {
      const bucket = this.attempts.get(source);
      if (bucket !== undefined && !bucket.ready(now)) {
        return { kind: 'password-attempts', retryInSeconds: Math.max(1, Math.ceil(Math.round(bucket.msUntilReady(now)) / 1000)) };
      }
      if ((this.waitingFrom.get(source) ?? 0) >= this.options.maxWaitingPerAddress) return { kind: 'password-waiting' };
    }
    if (this.waitingTotal >= this.options.maxWaiting) return { kind: 'password-waiting' };
    return null;
  }

  /** A connection admitted with `counted` starts waiting for its password (`stopWaiting` when it stops). */
  startWaiting(source: string, counted: boolean): void {
    this.waitingTotal++;
    if (counted) this.waitingFrom.set(source, (this.waitingFrom.get(source) ?? 0) + 1);
  }

  stopWaiting(source: string, counted: boolean): void {
    this.waitingTotal--;
    if (!counted) return;
    const left = (this.waitingFrom.get(source) ?? 1) - 1;
    if (left <= 0) this.waitingFrom.delete(source);
    else this.waitingFrom.set(source, left);
  }

  /** Whether `line` (a newcomer's first, cleaned) is the password; constant time in what it holds. */
  matches(line: Uint8Array): boolean {
    if (this.passwordDigest === null) return true;
    return timingSafeEqual(digest(line), this.passwordDigest);
  }

  /** `source` gave a wrong password (`counted` false: not held against it). */
  wrongAttempt(source: string, counted: boolean, now: number): void {
    if (!counted) return;
    let bucket = this.attempts.get(source);
    if (bucket === undefined) {
      if (this.attempts.size >= MAX_ATTEMPT_RECORDS) this.forgetAttempts(now);
      const perMinute = this.options.attemptsPerMinute;
      bucket = new TokenBucket(perMinute / 60, perMinute, now);
      this.attempts.set(source, bucket);
    }
    bucket.take(now);
  }

  /** Bans `source` until the room closes; false when the list is full. */
  ban(source: string): boolean {
    if (this.bans.has(source)) return true;
    if (this.bans.size >= this.options.maxBans) return false;
    this.bans.add(source);
    return true;
  }

  isBanned(source: string): boolean {
    return this.bans.has(source);
  }

  // Addresses whose tries are all back are as good as new; failing that, the oldest goes.
  private forgetAttempts(now: number): void {
    for (const [source, bucket] of this.attempts) {
      if (bucket.full(now)) this.attempts.delete(source);
    }
    if (this.attempts.size >= MAX_ATTEMPT_RECORDS) this.attempts.delete(this.attempts.keys().next().value!);
  }
}
