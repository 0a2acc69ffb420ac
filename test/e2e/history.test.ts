/**
 * History, search, export, unread and notifications end to end: the built renderer in real
 * Chromium, a real ChatSession with a real HistoryService (SQLite on a worker thread, in a
 * temporary folder), a real room and raw TCP clients. Screenshots go to test-results/e2e/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ChatLine } from '../../main/common/ipc-contract';
import { EventRecorder } from '../support/event-recorder';
import { useRooms } from '../support/room';
import { waitUntil } from '../support/wait';
import type { AppPage, AppPageOptions } from './harness';
import { WAIT_MS, transcript, useChromiumApps, waitForRow } from './fixture';

const { openApp: openPage, rawClient, defer } = useChromiumApps('history-');
const room = useRooms();

async function openApp(options: AppPageOptions = {}): Promise<{ app: AppPage; events: EventRecorder }> {
  const app = await openPage(options);
  const events = new EventRecorder(app.session);
  defer(() => events.dispose());
  return { app, events };
}

async function joinThroughUi(page: Page, port: number): Promise<void> {
  await page.getByText('Join a room').click();
  await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${port}`);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('banner', { name: 'Connection' }).getByText('Connected').waitFor({ timeout: WAIT_MS });
}

/** The window goes to the background (or comes back), as Electron's blur/focus would tell the page. */
async function setWindowFocus(page: Page, focused: boolean): Promise<void> {
  await page.evaluate((focus) => window.dispatchEvent(new Event(focus ? 'focus' : 'blur')), focused);
}

/** The transcript line as the export writes it, from what the session showed (local time). */
function exportedLine(line: ChatLine): string {
  const date = new Date(line.at);
  const two = (value: number): string => String(value).padStart(2, '0');
  const time = `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
  switch (line.kind) {
    case 'message':
      return `${time} ${line.peer}: ${line.text}`;
    case 'connected':
      return `${time} ${line.peer} joined`;
    case 'disconnected':
      return `${time} ${line.peer} left`;
    case 'raw':
    case 'notice':
      // A plain notice reads `Tincan: …` as it came (a name or topic line would be reworded).
      return `${time} ${line.text}`;
    case 'skipped':
      throw new Error('a line skipped for the window stands for lines the history has; it is never exported');
  }
}

describe('history in Chromium', () => {
  it('leaving and rejoining shows the earlier lines above an "earlier" divider', async () => {
    const testRoom = await room();
    const { app } = await openApp();
    const { page } = app;
    const nc = await rawClient(testRoom.port);
    await joinThroughUi(page, testRoom.port);
    await nc.write('said before you left\n');
    await waitForRow(page, 'said before you left');
    await page.getByRole('button', { name: 'Leave' }).click();
    await joinThroughUi(page, testRoom.port);
    await waitForRow(page, 'said before you left');
    const divider = transcript(page).getByRole('separator', { name: /^Earlier history above/ });
    await divider.waitFor({ timeout: WAIT_MS });
    await nc.write('said after you came back\n');
    await waitForRow(page, 'said after you came back');
    const order = await transcript(page)
      .locator('li')
      .evaluateAll((items) => items.map((item) => (item.classList.contains('divider-earlier') ? '--earlier--' : (item.querySelector('.text')?.textContent ?? ''))));
    const dividerAt = order.indexOf('--earlier--');
    expect(order.indexOf('said before you left')).toBeLessThan(dividerAt);
    expect(order.indexOf('said after you came back')).toBeGreaterThan(dividerAt);
    await app.screenshot('history-earlier-divider');
    expect(app.pageErrors).toEqual([]);
  });

  it('Ctrl+F finds an old message in all rooms, highlighted, and Enter shows it in its context', async () => {
    const testRoom = await room();
    const { app } = await openApp({ viewport: { width: 1024, height: 700 } });
    const { page } = app;
    const nc = await rawClient(testRoom.port);
    await joinThroughUi(page, testRoom.port);
    const lines = Array.from({ length: 80 }, (_, index) => (index === 20 ? 'the quarterly budget meeting moved to Friday' : `filler line ${index}`));
    await nc.write(`${lines.join('\n')}\n`);
    await waitForRow(page, 'filler line 79');

    await page.getByRole('textbox', { name: 'Message' }).click();
    await page.keyboard.press('Control+f');
    const search = page.getByRole('searchbox', { name: 'Search messages' });
    await search.waitFor({ timeout: WAIT_MS });
    await page.getByRole('radio', { name: 'All rooms' }).check();
    await search.fill('budget meet');
    const hit = page.getByRole('button', { name: /the quarterly budget meeting moved to Friday/ });
    await hit.waitFor({ timeout: WAIT_MS });
    expect(await hit.locator('mark.match').allTextContents()).toEqual(['budget', 'meet']);
    expect(await hit.textContent()).toContain(`127.0.0.1:${testRoom.port}`);
    await app.screenshot('history-search-results');
    expect(await app.accessibilityProblems('search results')).toEqual([]);

    await search.press('Enter');
    const context = page.getByRole('log', { name: 'Messages around the search result' });
    await context.locator('.row-target').waitFor({ timeout: WAIT_MS });
    expect(await context.locator('.row-target .text').textContent()).toBe('the quarterly budget meeting moved to Friday');
    const around = await context.locator('li .text').allTextContents();
    const at = around.indexOf('the quarterly budget meeting moved to Friday');
    expect(around.slice(at - 2, at + 3)).toEqual(['filler line 18', 'filler line 19', lines[20], 'filler line 21', 'filler line 22']);
    await app.screenshot('history-search-context');
    expect(await app.accessibilityProblems('a search hit in context')).toEqual([]);
    await page.getByRole('button', { name: 'Back to the conversation' }).click();
    await waitForRow(page, 'filler line 79');
    expect(app.pageErrors).toEqual([]);
  });

  it('Save transcript… writes exactly what the room said, as plain UTF-8 lines', async () => {
    const testRoom = await room();
    const { app, events } = await openApp();
    const { page } = app;
    const nc = await rawClient(testRoom.port);
    await joinThroughUi(page, testRoom.port);
    const late = await rawClient(testRoom.port);
    await waitForRow(page, `${late.label} joined`);
    await nc.write('grüße aus Köln ✓\n');
    await page.getByRole('textbox', { name: 'Message' }).fill('and hello from me');
    await page.keyboard.press('Enter');
    await waitForRow(page, 'and hello from me');
    late.destroy();
    await waitForRow(page, `${late.label} left`);

    app.transcriptFile = path.join(app.folder, 'transcript.txt');
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: /Save transcript…/ }).click();
    await page.getByText(/^Saved \d+ lines to /).waitFor({ timeout: WAIT_MS });
    const expected = events.lines.map(exportedLine);
    expect(expected.length).toBe(4);
    expect(readFileSync(app.transcriptFile, 'utf8')).toBe(`${expected.join('\n')}\n`);
    expect(await page.getByText(`Saved 4 lines to ${app.transcriptFile}.`).isVisible()).toBe(true);
  });

  it('unfocused: unread count in the title, a notification at the chosen privacy, the mention highlighted', async () => {
    const testRoom = await room();
    const { app } = await openApp({ preferences: { notificationPrivacy: 'full', mentionKeywords: ['Ann'] } });
    const { page } = app;
    const nc = await rawClient(testRoom.port);
    await joinThroughUi(page, testRoom.port);
    await setWindowFocus(page, false);
    await nc.write('Ann, are you there?\n');
    await waitForRow(page, 'are you there?');
    await page.waitForFunction((port) => document.title === `(1) Tincan — 127.0.0.1:${port}`, testRoom.port, { timeout: WAIT_MS });
    await waitUntil(() => app.notifications.length === 1, 'a notification', WAIT_MS);
    expect(app.notifications[0]).toMatchObject({ title: `${nc.label} mentioned you`, body: 'Ann, are you there?', mention: true });
    expect(app.badges.at(-1)).toMatchObject({ count: 1, badge: '1' });
    expect(app.flashes).toEqual([true]);
    const mention = transcript(page).locator('li.row-mention');
    expect(await mention.locator('mark.mention').allTextContents()).toEqual(['Ann']);
    await app.screenshot('history-mention-unread');
    expect(await app.accessibilityProblems('unread and a mention')).toEqual([]);

    // Sender only: the next notification names who wrote, not what.
    await setWindowFocus(page, true);
    await page.waitForFunction((port) => document.title === `Tincan — 127.0.0.1:${port}`, testRoom.port, { timeout: WAIT_MS });
    await page.getByRole('button', { name: 'More' }).click();
    await page.getByRole('menuitem', { name: /Settings…/ }).click();
    await page.getByRole('combobox', { name: 'Show' }).selectOption('sender');
    await app.screenshot('history-settings');
    expect(await app.accessibilityProblems('settings')).toEqual([]);
    await page.getByRole('button', { name: 'Done' }).click();
    let privacy = '';
    const saved = async (): Promise<void> => {
      const snapshot = await app.session.getSnapshot();
      privacy = snapshot.ok ? snapshot.value.preferences.notificationPrivacy : '';
    };
    for (const deadline = Date.now() + WAIT_MS; privacy !== 'sender' && Date.now() < deadline; ) await saved();
    expect(privacy).toBe('sender');
    await setWindowFocus(page, false);
    await nc.write('the secret plan\n');
    await waitForRow(page, 'the secret plan');
    await page.waitForFunction((port) => document.title === `(1) Tincan — 127.0.0.1:${port}`, testRoom.port, { timeout: WAIT_MS });
    await waitUntil(() => app.notifications.length === 2, 'the second notification', WAIT_MS);
    expect(app.notifications[1]).toMatchObject({ title: nc.label, body: `New message in 127.0.0.1:${testRoom.port}`, mention: false });
    expect(JSON.stringify(app.notifications[1])).not.toContain('secret');
    expect(app.pageErrors).toEqual([]);
  });
});
