/**
 * The smallest screen the app supports (800×600): an error sits next to what it is about and
 * offers its fix; a dialog keeps its title, close button and Done in view however long its
 * body is; a search result says where, who and when, and the row it leads to stands out.
 * Screenshots go to test-results/e2e/.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { occupiedPort } from '../support/ports';
import { useRooms } from '../support/room';
import { MIN_WINDOW_SIZE } from '../../main/electron/window-state';
import type { AppPage } from './harness';
import { WAIT_MS, useChromiumApps, waitForRow } from './fixture';

const { openApp, rawClient, defer } = useChromiumApps('small-');
const room = useRooms();

/** True when the whole of `locator` is inside the viewport and is what a click at its centre hits. */
async function inView(page: Page, locator: Locator): Promise<boolean> {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  if (box === null || viewport === null) return false;
  const inside = box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
  if (!inside) return false;
  return locator.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
    return hit !== null && (hit === element || element.contains(hit));
  });
}

async function joinThroughUi(page: Page, port: number): Promise<void> {
  await page.getByText('Join a room').click();
  await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${port}`);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('banner', { name: 'Connection' }).getByText('Connected').waitFor({ timeout: WAIT_MS });
}

async function expectAccessible(app: AppPage, screen: string): Promise<void> {
  expect(await app.accessibilityProblems(screen)).toEqual([]);
}

/** The smallest screen the tests use, and the window's own minimum (its page is a little smaller still: the frame). */
const SMALL_SIZES = [
  { width: 800, height: 600 },
  { width: MIN_WINDOW_SIZE.width, height: MIN_WINDOW_SIZE.height },
];

describe.each(SMALL_SIZES)('$width×$height: errors where the problem is, dialogs that fit', (size) => {
  const tag = `${size.width}x${size.height}`;
  it('a busy port is said under the Port field, in view, and one click picks a free port that then hosts', async () => {
    const app = await openApp({ viewport: size });
    const { page } = app;
    const busy = await occupiedPort();
    defer(() => busy.close());
    await page.getByText('Host a room').click();
    await page.getByText('Only this computer').click();
    const portField = page.getByRole('textbox', { name: 'Port' });
    await portField.fill(String(busy.port));
    await page.getByRole('button', { name: 'Start hosting' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: WAIT_MS });
    expect(await alert.textContent()).toContain(`Port ${busy.port} is already in use`);
    // Right under the Port field, described by it, and wholly on screen.
    expect(await portField.getAttribute('aria-invalid')).toBe('true');
    const described = await portField.evaluate((input) => document.getElementById(input.getAttribute('aria-describedby') ?? '')?.textContent ?? '');
    expect(described).toContain('already in use');
    const fieldBox = (await portField.boundingBox())!;
    const alertBox = (await alert.boundingBox())!;
    expect(alertBox.y).toBeGreaterThanOrEqual(fieldBox.y + fieldBox.height);
    expect(alertBox.y - (fieldBox.y + fieldBox.height)).toBeLessThan(24);
    expect(await inView(page, alert)).toBe(true);
    const useFree = alert.getByRole('button', { name: 'Use a free port' });
    expect(await inView(page, useFree)).toBe(true);
    await app.screenshot(`small-host-port-busy-${tag}`);
    await expectAccessible(app, 'port busy under the field');

    await useFree.click();
    await alert.waitFor({ state: 'detached', timeout: WAIT_MS });
    const chosen = Number(await portField.inputValue());
    expect(chosen).not.toBe(busy.port);
    expect(Number.isInteger(chosen) && chosen > 0).toBe(true);
    expect(app.calls).toContain('findFreePort');
    await page.getByRole('button', { name: 'Start hosting' }).click();
    await page.getByRole('button', { name: 'Stop hosting' }).waitFor({ timeout: WAIT_MS });
    const snapshot = await app.session.getSnapshot();
    expect(snapshot.ok && snapshot.value.status.mode === 'hosting' && snapshot.value.status.host.port).toBe(chosen);
    expect(app.pageErrors).toEqual([]);
  });

  it('Settings: title, × and Done stay in view while only the body scrolls; × closes it', async () => {
    const testRoom = await room();
    const app = await openApp({ viewport: size });
    const { page } = app;
    await joinThroughUi(page, testRoom.port);
    // The room's header stays one row and the composer stays on screen at this size.
    expect((await page.getByRole('banner', { name: 'Connection' }).boundingBox())!.height).toBeLessThan(60);
    expect(await inView(page, page.getByRole('textbox', { name: 'Message' }))).toBe(true);
    for (const close of ['Done', 'Close settings']) {
      await page.getByRole('button', { name: 'More' }).click();
      await page.getByRole('menuitem', { name: /Settings…/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      await dialog.waitFor({ timeout: WAIT_MS });
      expect(await inView(page, dialog.getByRole('heading', { name: 'Settings' }))).toBe(true);
      expect(await inView(page, dialog.getByRole('button', { name: 'Close settings' }))).toBe(true);
      expect(await inView(page, dialog.getByRole('button', { name: 'Done' }))).toBe(true);
      if (close === 'Done') {
        await app.screenshot(`small-settings-${tag}`);
        await expectAccessible(app, `settings at ${tag}`);
      }
      await dialog.getByRole('button', { name: close }).click();
      await dialog.waitFor({ state: 'detached', timeout: WAIT_MS });
    }
    expect(app.pageErrors).toEqual([]);
  });

});

describe('search at 800×600', () => {
  it('a search result says which room, who and when; the row it leads to has a colour of its own, not that of one’s own lines', async () => {
    const testRoom = await room();
    const app = await openApp({ viewport: { width: 800, height: 600 } });
    const { page } = app;
    const nc = await rawClient(testRoom.port);
    await joinThroughUi(page, testRoom.port);
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('my budget idea');
    await composer.press('Enter');
    await waitForRow(page, 'my budget idea');
    await nc.write('the budget meeting moved\n');
    await waitForRow(page, 'the budget meeting moved');

    await composer.click();
    await page.keyboard.press('Control+f');
    const search = page.getByRole('searchbox', { name: 'Search messages' });
    await search.fill('budget');
    const theirs = page.getByRole('button', { name: /the budget meeting moved/ });
    await theirs.waitFor({ timeout: WAIT_MS });
    const text = (await theirs.textContent()) ?? '';
    expect(text).toContain(`Room 127.0.0.1:${testRoom.port}`);
    expect(text).toContain(`From ${nc.label}`);
    expect(text).toMatch(/When \S/);
    expect((await page.getByRole('button', { name: /my budget idea/ }).textContent()) ?? '').toContain('From You');
    await app.screenshot('small-search-results');
    await expectAccessible(app, 'search results, labelled');

    await theirs.click();
    const context = page.getByRole('log', { name: 'Messages around the search result' });
    const target = context.locator('.row-target');
    await target.waitFor({ timeout: WAIT_MS });
    expect(await target.locator('.text').textContent()).toBe('the budget meeting moved');
    const own = context.locator('.row-self');
    await own.waitFor({ timeout: WAIT_MS });
    const background = (locator: Locator) => locator.evaluate((element) => getComputedStyle(element).backgroundColor);
    const targetColour = await background(target);
    expect(targetColour).not.toBe(await background(own));
    expect(targetColour).not.toBe('rgba(0, 0, 0, 0)');
    // Not by colour alone: a bar at its edge.
    expect(await target.evaluate((element) => getComputedStyle(element).boxShadow)).toMatch(/inset/);
    await app.screenshot('small-search-context');
    await expectAccessible(app, 'search hit in context');
    expect(app.pageErrors).toEqual([]);
  });
});
