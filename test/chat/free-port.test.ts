import { describe, expect, it } from 'vitest';
import { FREE_PORT_TRIES, findFreePort } from '../../main/chat/free-port';
import { parseRequest } from '../../main/common/ipc-contract';
import { canListen, occupiedPort } from '../support/ports';

describe('findFreePort', () => {
  it('offers a free port just above a busy one, on loopback for a room for this computer', async () => {
    const busy = await occupiedPort();
    try {
      const port = await findFreePort(busy.port, false);
      expect(port).not.toBeNull();
      expect(port).not.toBe(busy.port);
      expect(await canListen(port!)).toBe(true);
      // Near the busy one unless every port up there is taken (rare, under load).
      if (busy.port + FREE_PORT_TRIES <= 65535) expect(port! > busy.port && port! <= busy.port + FREE_PORT_TRIES).toBe(true);
    } finally {
      await busy.close();
    }
  });

  it('at the top of the range it asks the system for any free port', async () => {
    const port = await findFreePort(65535, false);
    expect(port).not.toBeNull();
    expect(port! >= 1 && port! <= 65535).toBe(true);
  });

  it('its request is validated like every other: a port 1–65535 and a known scope, nothing else', () => {
    expect(parseRequest('findFreePort', { busyPort: 60003, scope: 'lan' })).toEqual({ ok: true, value: { busyPort: 60003, scope: 'lan' } });
    for (const bad of [undefined, null, 60003, { busyPort: 0, scope: 'lan' }, { busyPort: 70000, scope: 'lan' }, { busyPort: 1.5, scope: 'local' }, { busyPort: 60003, scope: 'all' }, { busyPort: 60003, scope: 'lan', extra: 1 }, { busyPort: '60003', scope: 'lan' }]) {
      expect(parseRequest('findFreePort', bad).ok, JSON.stringify(bad)).toBe(false);
    }
  });
});
