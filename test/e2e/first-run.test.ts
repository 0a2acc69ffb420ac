/**
 * A newcomer's first run, scripted in Chromium: every click, key press and typed field is a
 * step, counted and printed, for the three things people come to do: host and copy an
 * invite; join a room the app lists; join by an address someone said aloud.
 */
import os from 'node:os';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { spawnServer } from '../support/headless-server';
import { freePort } from '../support/ports';
import { useRooms } from '../support/room';
import { WAIT_MS, useChromiumApps } from './fixture';

const { openApp, defer } = useChromiumApps('first-run-');
const room = useRooms();

/** What the user did, one entry per step. */
class Steps {
  readonly done: string[] = [];
  constructor(private readonly task: string) {}

  async click(target: Locator, what: string): Promise<void> {
    await target.click({ timeout: WAIT_MS });
    this.done.push(`click ${what}`);
  }

  async type(target: Locator, text: string, what: string): Promise<void> {
    await target.fill(text, { timeout: WAIT_MS });
    this.done.push(`type ${what}`);
  }

  /** Prints the count with the steps, so the figure can be checked by reading. */
  report(): number {
    console.info(`[first run] ${this.task}: ${this.done.length} steps — ${this.done.join('; ')}`);
    return this.done.length;
  }
}

async function connected(page: Page): Promise<void> {
  await page.getByRole('banner', { name: 'Connection' }).getByText(/Connected|Open to your network|Only this computer/).waitFor({ timeout: WAIT_MS });
}

describe('first run: the steps a newcomer needs', () => {
  it('host a room and copy the invite', async () => {
    // Stand-ins for a fresh install, so the test stays on loopback and off the shared 60003:
    // the form opens on a free port, for this computer only. A newcomer changes neither.
    const app = await openApp({ preferences: { lastPort: await freePort(), lastScope: 'local' } });
    const { page } = app;
    const steps = new Steps('host and copy an invite');
    await steps.click(page.getByRole('button', { name: 'Start hosting' }), 'Start hosting');
    await connected(page);
    const invite = page.getByRole('complementary', { name: 'Room details' });
    const copy = invite.getByRole('button', { name: /^Copy 127\.0\.0\.1:\d+$/ });
    await steps.click(copy, 'Copy on the address');
    await invite.getByRole('button', { name: /^Copied/ }).first().waitFor({ timeout: WAIT_MS });
    expect(app.copied).toHaveLength(1);
    expect(app.copied[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(steps.report()).toBeLessThanOrEqual(2);
    await app.screenshot('first-run-hosted-invite-copied');
    expect(app.pageErrors).toEqual([]);
  });

  it('join a room the app lists on the network', async () => {
    const port = await freePort();
    // Loopback only, both ends: nothing is sent on a real network.
    const server = spawnServer(['--port', String(port), '--host', '127.0.0.1', '--announce-on', 'lo', '--name', 'Lab 3']);
    defer(() => server.stop());
    await server.waitForStderr('announced as "Lab 3"');
    const app = await openApp({
      discovery: { interfaces: os.networkInterfaces, selection: { only: ['lo'] }, appVersion: '0.1.0', beaconPorts: [port] },
    });
    const { page } = app;
    const steps = new Steps('join a listed room');
    await steps.click(page.getByRole('tab', { name: 'Join a room' }).or(page.getByText('Join a room')).first(), 'Join a room');
    const listed = page.getByRole('region', { name: 'Rooms on your network' }).getByRole('button', { name: /^Join Lab 3/ });
    await steps.click(listed, 'Join on “Lab 3”');
    await connected(page);
    expect(steps.report()).toBeLessThanOrEqual(2);
    await app.screenshot('first-run-joined-listed');
    expect(app.pageErrors).toEqual([]);
  });

  it('join by address', async () => {
    const testRoom = await room();
    const app = await openApp();
    const { page } = app;
    const steps = new Steps('join by address');
    await steps.click(page.getByRole('tab', { name: 'Join a room' }).or(page.getByText('Join a room')).first(), 'Join a room');
    await steps.type(page.getByRole('textbox', { name: 'Host address' }), `127.0.0.1:${testRoom.port}`, 'the address');
    await steps.click(page.getByRole('button', { name: 'Join', exact: true }), 'Join');
    await connected(page);
    expect(steps.report()).toBeLessThanOrEqual(3);
    await app.screenshot('first-run-joined-by-address');
    expect(app.pageErrors).toEqual([]);
  });
});
