/**
 * In Chromium against a real ChatSession and real servers: consecutive lines grouped under
 * one name, a mark beside each person's hue, and a lost connection that keeps the composer
 * usable (lines wait and go out in order on Try now, or are clearly dropped on Leave).
 * Screenshots go to test-results/e2e/ (and every size and scheme to screens/).
 */
import { describe, expect, it } from 'vitest';
import { ChatServer } from '../../main/chat/server';
import { UNLIMITED } from '../support/room';
import type { AppPage } from './harness';
import { WAIT_MS, transcript, useChromiumApps, waitForRow } from './fixture';

const { openApp, rawClient, defer } = useChromiumApps('reconnect-');

async function expectAccessible(app: AppPage, screen: string): Promise<void> {
  expect(await app.accessibilityProblems(screen)).toEqual([]);
}

/** A room on 127.0.0.1 (`port` 0: any free port), closed after the test if still open. */
async function openRoom(port = 0): Promise<{ server: ChatServer; port: number }> {
  const server = new ChatServer({ admitDelayMs: 0, ...UNLIMITED });
  server.on('error', () => undefined);
  const bound = await server.listen({ port, host: '127.0.0.1' });
  defer(() => server.close());
  return { server, port: bound.port };
}

describe('grouped lines and a lost connection, in Chromium', () => {
  it('groups a person’s lines, marks who said what, keeps typed lines while reconnecting and sends them on Try now', async () => {
    const first = await openRoom();
    // A long wait between attempts: the reconnect in this test is Try now's.
    const app = await openApp({ viewport: { width: 800, height: 600 }, reconnectDelayMs: 60_000 });
    const { page } = app;
    const nc = await rawClient(first.port);
    await page.getByText('Join a room').click();
    await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${first.port}`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const bar = page.getByRole('banner', { name: 'Connection' });
    await bar.getByText('Connected').waitFor({ timeout: WAIT_MS });

    await nc.write('first of three\nsecond of three\nthird of three\n');
    await waitForRow(page, 'third of three');
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('mine, one');
    await composer.press('Enter');
    await composer.fill('mine, two');
    await composer.press('Enter');
    await waitForRow(page, 'mine, two');
    const row = (text: string) => transcript(page).locator('li', { hasText: text }).last();
    // Not hovering any row (the last click left the pointer over the transcript).
    await page.mouse.move(0, 0);
    expect(await row('first of three').getAttribute('class')).not.toContain('row-grouped');
    expect(await row('first of three').locator('.person-mark').count()).toBe(1);
    for (const text of ['second of three', 'third of three', 'mine, two']) {
      expect(await row(text).getAttribute('class'), text).toContain('row-grouped');
      // No name or time on screen; both still in the row for screen readers.
      expect(await row(text).locator('.time').evaluate((element) => getComputedStyle(element).opacity), text).toBe('0');
      expect(await row(text).locator('.sender').boundingBox().then((box) => (box?.width ?? 0) <= 1), text).toBe(true);
    }
    // Hovering a grouped row shows its time.
    await row('second of three').hover();
    await expect.poll(() => row('second of three').locator('.time').evaluate((element) => getComputedStyle(element).opacity)).toBe('1');
    await page.mouse.move(0, 0);
    await app.screenshot('grouped-lines');
    await expectAccessible(app, 'grouped lines');

    // The room goes away: the composer stays usable, and what is typed waits.
    await first.server.close();
    const banner = page.getByRole('status').filter({ hasText: 'Connection lost' });
    await banner.waitFor({ timeout: WAIT_MS });
    expect(await composer.isEnabled()).toBe(true);
    await composer.fill('typed while down');
    await composer.press('Enter');
    await composer.fill('and another');
    await composer.press('Enter');
    await banner.getByText(/2 lines wait to be sent\./).waitFor({ timeout: WAIT_MS });
    await page.getByText(/^2 lines wait to be sent once Tincan reconnects/).waitFor({ timeout: WAIT_MS });
    expect(await composer.inputValue()).toBe('');
    await app.screenshot('reconnecting-lines-waiting');
    await expectAccessible(app, 'reconnecting, lines waiting');

    // The room is back on the same port; Try now does not wait out the minute.
    const second = await openRoom(first.port);
    const listener = await rawClient(second.port);
    await banner.getByRole('button', { name: 'Try now' }).click();
    await bar.getByText('Connected').waitFor({ timeout: WAIT_MS });
    const snapshot = await app.session.getSnapshot();
    const self = snapshot.ok && snapshot.value.status.mode === 'joined' ? snapshot.value.status.self : null;
    await listener.waitForLine(`[${self}] and another`);
    expect(listener.text).toContain(`[${self}] typed while down\n[${self}] and another\n`);
    await waitForRow(page, 'and another');
    expect(await page.getByRole('status').filter({ hasText: 'Connection lost' }).count()).toBe(0);
    expect(app.pageErrors).toEqual([]);
    expect(await app.cspViolations()).toEqual([]);
  });

  it('Leave while lines wait says how many were not sent', async () => {
    const room = await openRoom();
    const app = await openApp({ reconnectDelayMs: 60_000 });
    const { page } = app;
    await page.getByText('Join a room').click();
    await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${room.port}`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('banner', { name: 'Connection' }).getByText('Connected').waitFor({ timeout: WAIT_MS });
    await room.server.close();
    const banner = page.getByRole('status').filter({ hasText: 'Connection lost' });
    await banner.waitFor({ timeout: WAIT_MS });
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('never delivered');
    await composer.press('Enter');
    await banner.getByText(/1 line waits to be sent\./).waitFor({ timeout: WAIT_MS });
    await banner.getByRole('button', { name: 'Leave' }).click();
    await page.getByRole('button', { name: 'Join', exact: true }).waitFor({ timeout: WAIT_MS });
    await page.getByText('1 line was not sent: you left before the connection came back.').waitFor({ timeout: WAIT_MS });
    await app.screenshot('left-with-lines-unsent');
    await expectAccessible(app, 'left with lines unsent');
    expect(app.pageErrors).toEqual([]);
  });
});
