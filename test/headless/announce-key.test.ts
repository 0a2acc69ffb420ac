/** A headless room with TLS announces its key: a joiner's beacon query learns it, and the room's id comes from it. */
import { describe, expect, it } from 'vitest';
import { probeTls } from '../../main/app/join';
import { spawnServer } from '../support/headless-server';
import { ipv6Loopback } from '../support/ipv6';
import { freePort } from '../support/ports';
import { useTempDirs } from '../support/temp-dir';

const tempDir = useTempDirs();

describe('tincan-server announces its TLS key', () => {
  it('answers a beacon query on PORT/udp, over IPv4 and IPv6, with the fingerprint it printed', async () => {
    const port = await freePort();
    const server = spawnServer(['--port', String(port), '--host', '127.0.0.1', '--announce-on', 'lo', '--state-dir', await tempDir('tincan-state-')]);
    try {
      await server.listening();
      await server.waitForStderr('announced as');
      const printed = /fingerprint ([0-9A-F:]{95})/.exec(server.stderr())?.[1];
      expect(printed).toBeDefined();
      expect(await probeTls('127.0.0.1', port, 5000)).toEqual({ fingerprint: printed });
      // A joiner who typed its IPv6 address asks there, and is answered there.
      if (await ipv6Loopback()) expect(await probeTls('::1', port, 5000)).toEqual({ fingerprint: printed });
    } finally {
      server.kill();
    }
  });
});
