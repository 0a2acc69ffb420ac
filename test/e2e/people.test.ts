/**
 * People end to end: the built renderer in real Chromium, a real ChatSession hosting (and a
 * second one joining), raw TCP clients taking names as telnet users would. Names beside
 * addresses, the catch-up divider, the topic in the header and the name in Settings; axe on
 * each screen. Screenshots go to test-results/e2e/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTempDirs } from '../support/temp-dir';
import type { AppPage } from './harness';
import { WAIT_MS, startHostingOnFreePort, transcript, useChromiumApps, waitForRow } from './fixture';

const { openApp, rawClient } = useChromiumApps('people-');
const tempDir = useTempDirs();

/** Hosts this computer only on a free port, with `topic` typed in the Host form. */
async function hostWithTopic(app: AppPage, topic: string): Promise<number> {
  const { page } = app;
  await page.getByText('Host a room').click();
  await page.getByText('Only this computer').click();
  await page.getByRole('textbox', { name: 'Topic (optional)' }).fill(topic);
  expect(await page.getByText(/Newcomers will see the last 50 lines/).count()).toBe(1);
  return startHostingOnFreePort(page);
}

async function joinThroughUi(page: Page, port: number): Promise<void> {
  await page.getByText('Join a room').click();
  await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${port}`);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await page.getByRole('banner', { name: 'Connection' }).getByText('Connected').waitFor({ timeout: WAIT_MS });
}

async function expectAccessible(app: AppPage, screen: string): Promise<void> {
  expect(await app.accessibilityProblems(screen)).toEqual([]);
  expect(await app.cspViolations()).toEqual([]);
  expect(app.pageErrors).toEqual([]);
}

describe('people in Chromium', () => {
  it('names beside addresses, the topic in the header, the catch-up divider, and renaming from the window (a taken name refused, with an offer to edit)', async () => {
    const host = await openApp({ preferences: { displayName: 'ana' } });
    const port = await hostWithTopic(host, 'Lab 3 finals');
    const header = host.page.getByRole('banner', { name: 'Connection' });
    await header.getByText('Lab 3 finals').waitFor({ timeout: WAIT_MS });
    await host.page.getByText(/You appear as ana · 127\.0\.0\.1:\d+/).waitFor({ timeout: WAIT_MS });

    const alice = await rawClient(port);
    await alice.write('/name alice\nhello from alice\n');
    await waitForRow(host.page, 'hello from alice');
    const row = transcript(host.page).locator('li', { hasText: 'hello from alice' });
    expect(await row.locator('.sender-name').textContent()).toBe('alice');
    expect(await row.locator('.sender-address').textContent()).toBe(alice.label);
    const roster = host.page.getByRole('complementary', { name: 'Room details' });
    await roster.locator('.sender-name', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
    await host.screenshot('people-host');
    await expectAccessible(host, 'people, host');

    // A joiner catches up under the divider, sees the topic, and learns names from then on.
    const joiner = await openApp();
    await joinThroughUi(joiner.page, port);
    const log = transcript(joiner.page);
    await log.getByRole('separator', { name: 'Before you joined' }).waitFor({ timeout: WAIT_MS });
    await log.getByRole('separator', { name: 'Live from here' }).waitFor({ timeout: WAIT_MS });
    // Alice's line is between the two dividers.
    expect(await log.locator('li.divider-replay ~ li:has-text("hello from alice") ~ li.divider-live').count()).toBe(1);
    await joiner.page.getByRole('banner', { name: 'Connection' }).getByText('Lab 3 finals').waitFor({ timeout: WAIT_MS });
    await alice.write('/name alicia\nstill me\n');
    await waitForRow(joiner.page, 'still me');
    expect(await log.locator('li', { hasText: 'still me' }).locator('.sender-name').textContent()).toBe('alicia');
    await joiner.screenshot('people-joiner');
    await expectAccessible(joiner, 'people, joiner');

    // The host changes the topic from the window; everyone's header follows.
    await header.getByRole('button', { name: 'Edit topic' }).click();
    await header.getByRole('textbox', { name: 'Topic' }).fill('Finals: round 2');
    await header.getByRole('button', { name: 'Save topic' }).click();
    await joiner.page.getByRole('banner', { name: 'Connection' }).getByText('Finals: round 2').waitFor({ timeout: WAIT_MS });

    // The name is changed from the window, by the composer; a taken one is refused with an offer to edit.
    await host.page.getByRole('button', { name: 'Change name' }).click();
    const field = host.page.getByRole('textbox', { name: 'Your name' });
    expect(await field.inputValue()).toBe('ana');
    await host.screenshot('people-rename');
    await expectAccessible(host, 'people, the name editor');
    await field.fill('ALICIA');
    await host.page.getByRole('button', { name: 'Save name' }).click();
    await waitForRow(host.page, 'Your name was refused');
    await transcript(host.page).getByRole('button', { name: 'Choose another name' }).click();
    await host.page.getByRole('textbox', { name: 'Your name' }).fill('ana b');
    await host.page.getByRole('button', { name: 'Save name' }).click();
    await host.page.getByText(/You appear as ana b · 127\.0\.0\.1:\d+/).waitFor({ timeout: WAIT_MS });
  });

  it('a joiner\'s roster shows names from /who; ignoring hides a person\'s lines, which can be shown, and is undone from the roster', async () => {
    const host = await openApp({ certificateDir: await tempDir('tincan-e2e-key-'), preferences: { displayName: 'ana' } });
    const port = await hostWithTopic(host, 'Roster day');
    const snapshot = await host.session.getSnapshot();
    const status = snapshot.ok ? snapshot.value.status : null;
    const fingerprint = status?.mode === 'hosting' ? (status.security?.fingerprint ?? '') : '';
    expect(fingerprint).not.toBe('');
    const alice = await rawClient(port);
    await alice.write('/name alice\n');
    await alice.waitForText('is now alice\n');

    // A host whose key this computer knows spoke TLS: a Tincan room, so the app asks /who.
    const joiner = await openApp({ preferences: { hostKeys: [{ address: `127.0.0.1:${port}`, fingerprint }] } });
    await joinThroughUi(joiner.page, port);
    const people = joiner.page.getByRole('complementary', { name: 'People' });
    await people.getByRole('heading', { name: 'In the room (3)' }).waitFor({ timeout: WAIT_MS });
    await people.locator('.sender-name', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
    await people.locator('.sender-name', { hasText: 'ana' }).waitFor({ timeout: WAIT_MS });
    expect(await people.locator('.roster-meta').first().textContent()).toMatch(/^joined \d\d:\d\d/);
    // The answer went into the roster, not the transcript.
    expect(await transcript(joiner.page).getByText(/people here/).count()).toBe(0);

    await alice.write('spam one\nspam two\n');
    await waitForRow(joiner.page, 'spam two');
    await people.locator('li', { hasText: 'alice' }).getByText(/last spoke just now/).waitFor({ timeout: WAIT_MS });
    await people.getByRole('button', { name: 'Ignore alice' }).click();
    const log = transcript(joiner.page);
    await log.getByText('2 lines hidden').waitFor({ timeout: WAIT_MS });
    expect(await log.getByText('spam one').count()).toBe(0);
    await joiner.screenshot('people-ignored');
    await expectAccessible(joiner, 'people, joiner roster with an ignored person');

    await log.getByRole('button', { name: 'Show 2 lines hidden' }).click();
    await waitForRow(joiner.page, 'spam one');
    await alice.write('spam three\n');
    await log.getByText('1 line hidden').waitFor({ timeout: WAIT_MS });
    await people.getByRole('button', { name: 'Stop ignoring alice' }).click();
    await waitForRow(joiner.page, 'spam three');
    expect(await log.getByText(/hidden/).count()).toBe(0);
  });
});
