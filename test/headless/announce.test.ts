/** The headless server's discovery options: --name, --no-announce, --announce-on, and where a room is announced. */
import { describe, expect, it } from 'vitest';
import { USAGE, UsageError, announceScope, parseServerArgs } from '../../main/headless/cli';
import { LAPTOP } from '../app/discovery/tables';
import { spawnServer } from '../support/headless-server';

describe('tincan-server discovery options', () => {
  it('announces by default, under the default name, on every usable interface', () => {
    expect(parseServerArgs([])).toMatchObject({ name: undefined, announce: true, announceOn: undefined });
  });

  it('--name sets the room name (cleaned); -n is the same', () => {
    expect(parseServerArgs(['--name', '  Lab\t3 \u001b[31m'])?.name).toBe('Lab 3');
    expect(parseServerArgs(['-n', 'Café ☕'])?.name).toBe('Café ☕');
  });

  it.each([
    [['--name', ''], /--name: The room needs a name/],
    [['--name', '\u0007'], /--name: The room needs a name/],
    [['--name', 'é'.repeat(32)], /--name: The room name is too long: at most 63 bytes.*this one is 64/],
    [['--announce-on', ','], /--announce-on must name interfaces/],
  ])('%j is refused with a sentence', (args, message) => {
    expect(() => parseServerArgs(args)).toThrow(UsageError);
    expect(() => parseServerArgs(args)).toThrow(message);
  });

  it('--no-announce and --announce-on', () => {
    expect(parseServerArgs(['--no-announce'])?.announce).toBe(false);
    expect(parseServerArgs(['--announce-on', 'eth0, wlan0'])?.announceOn).toEqual(['eth0', 'wlan0']);
  });

  it('--help documents the name and both announce options', () => {
    for (const option of ['--name NAME', '--no-announce', '--announce-on', '_tincan._tcp', "<user>'s room on <hostname>", 'never announced']) {
      expect(USAGE).toContain(option);
    }
  });

  it('announces a room on every interface or a LAN address, never a loopback-only one', () => {
    expect(announceScope(undefined, LAPTOP)).toEqual({ announce: true, only: undefined });
    expect(announceScope('0.0.0.0', LAPTOP)).toEqual({ announce: true, only: undefined });
    expect(announceScope('::', LAPTOP)).toEqual({ announce: true, only: undefined });
    expect(announceScope('192.168.1.20', LAPTOP)).toEqual({ announce: true, only: ['wlp2s0'] });
    expect(announceScope('2001:DB8:1::20', LAPTOP)).toEqual({ announce: true, only: ['wlp2s0'] });
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) {
      expect(announceScope(host, LAPTOP)).toEqual({ announce: false, reason: 'the room is for this computer only' });
    }
    expect(announceScope('192.0.2.99', LAPTOP)).toEqual({ announce: false, reason: 'no interface has the address 192.0.2.99' });
  });

  it('--announce-on narrows where; a loopback room is announced only on loopback, and only when asked', () => {
    expect(announceScope(undefined, LAPTOP, ['wlp2s0'])).toEqual({ announce: true, only: ['wlp2s0'] });
    expect(announceScope('127.0.0.1', LAPTOP, ['lo'])).toEqual({ announce: true, only: ['lo'] });
    expect(announceScope('127.0.0.1', LAPTOP, ['lo', 'wlp2s0'])).toEqual({ announce: false, reason: 'the room is for this computer only' });
    expect(announceScope('127.0.0.1', LAPTOP, ['nope'])).toEqual({ announce: false, reason: 'the room is for this computer only' });
  });

  it('a loopback-only room says in its log that it is not announced', async () => {
    const server = spawnServer(['--port', '0', '--host', '127.0.0.1', '--name', 'Mine']);
    try {
      await server.listening();
      await server.waitForStderr('not announced on the network: the room is for this computer only');
      expect(server.stderr()).not.toContain('announced as');
    } finally {
      server.kill();
    }
  });

  it('a bad --name exits 2 before anything listens', async () => {
    const server = spawnServer(['--port', '0', '--name', '   ']);
    try {
      expect(await server.exited).toBe(2);
      expect(server.stderr()).toMatch(/--name: The room needs a name/);
      expect(server.stdout()).toBe('');
    } finally {
      server.kill();
    }
  });
});
