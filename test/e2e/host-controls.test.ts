/**
 * The host decides who is in the room, end to end in Chromium: a password typed in the Host
 * form that raw TCP clients (what nc and telnet are) must give, Remove and Ban… from the host's
 * roster with the notices everyone gets, and the app joining a room with a password (the prompt,
 * a wrong one refused with Try again, the right one in). axe on each screen; screenshots go to
 * test-results/e2e/.
 */
import { describe, expect, it } from 'vitest';
import {
  BANNED_LINE,
  PASSWORD_ACCEPTED_LINE,
  PASSWORD_PROMPT_LINE,
  PASSWORD_WRONG_LINE,
  YOU_WERE_BANNED_LINE,
  YOU_WERE_REMOVED_LINE,
  removedLine,
} from '../../main/chat/server-lines';
import { RawClient } from '../support/raw-client';
import { useRooms } from '../support/room';
import type { AppPage } from './harness';
import { WAIT_MS, startHostingOnFreePort, transcript, useChromiumApps, waitForRow } from './fixture';

const { openApp, defer } = useChromiumApps('host-controls-');
const room = useRooms();
const PASSWORD = 'open sesame';

/** Hosts this computer only on a free port, with `password` typed in the Host form. */
async function hostWithPassword(app: AppPage, password: string): Promise<number> {
  const { page } = app;
  await page.getByText('Host a room').click();
  await page.getByText('Only this computer').click();
  await page.getByLabel('Password (optional)').fill(password);
  return startHostingOnFreePort(page);
}

/** A raw client from `localAddress` (a different machine, as far as the room can tell), destroyed after the test. */
async function rawFrom(port: number, localAddress: string): Promise<RawClient> {
  const client = await RawClient.connect(port, '127.0.0.1', { localAddress });
  defer(() => client.destroy());
  return client;
}

/** A raw client from `localAddress` let in with the password, once it has been asked for it. */
async function enterWithPassword(port: number, localAddress: string): Promise<RawClient> {
  const client = await rawFrom(port, localAddress);
  await client.waitForLine(PASSWORD_PROMPT_LINE);
  await client.write(`${PASSWORD}\n`);
  await client.waitForLine(PASSWORD_ACCEPTED_LINE);
  return client;
}

async function expectAccessible(app: AppPage, screen: string): Promise<void> {
  expect(await app.accessibilityProblems(screen)).toEqual([]);
  expect(await app.cspViolations()).toEqual([]);
  expect(app.pageErrors).toEqual([]);
}

describe('the host decides who is in the room, in Chromium', () => {
  it('a password from the Host form: a wrong one is cut, the right one is in; Remove and Ban… from the roster, a banned address refused, the notices in the transcript', async () => {
    const host = await openApp();
    const { page } = host;
    const port = await hostWithPassword(host, PASSWORD);
    await expectAccessible(host, 'hosting with a password');

    // A terminal user is asked, types a wrong password and is cut; the room never hears of it.
    const wrong = await rawFrom(port, '127.0.0.21');
    await wrong.waitForLine(PASSWORD_PROMPT_LINE);
    await wrong.write('let me in\n');
    await wrong.waitForClose();
    expect(wrong.lines()).toEqual([PASSWORD_PROMPT_LINE, PASSWORD_WRONG_LINE]);

    // Again with the right one: in, announced, and in the host's roster.
    const alice = await enterWithPassword(port, '127.0.0.21');
    await alice.write('hello from alice\n');
    await waitForRow(page, 'hello from alice');
    expect(await transcript(page).getByText(wrong.label).count()).toBe(0);
    const roster = page.getByRole('complementary', { name: 'Room details' });
    await roster.getByRole('button', { name: `Remove ${alice.label}` }).waitFor({ timeout: WAIT_MS });

    // Remove: alice is told and closed; the host's transcript has the room's notice.
    await roster.getByRole('button', { name: `Remove ${alice.label}` }).click();
    await alice.waitForClose();
    expect(alice.lines().at(-1)).toBe(YOU_WERE_REMOVED_LINE);
    await transcript(page).locator('li', { hasText: `${alice.label}] was removed by the host` }).waitFor({ timeout: WAIT_MS });
    await roster.getByRole('button', { name: `Remove ${alice.label}` }).waitFor({ state: 'detached', timeout: WAIT_MS });

    // Ban… asks first; Ban: the second client is told, and its address is refused from then on.
    const watcher = await enterWithPassword(port, '127.0.0.23');
    const bob = await enterWithPassword(port, '127.0.0.22');
    await bob.write('hello from bob\n');
    await waitForRow(page, 'hello from bob');
    await roster.getByRole('button', { name: `Ban ${bob.label}…` }).click();
    const confirm = roster.getByRole('group', { name: `Ban ${bob.label}?` });
    await confirm.waitFor({ timeout: WAIT_MS });
    await host.screenshot('host-controls-ban-confirm');
    await expectAccessible(host, 'the ban confirm');
    await confirm.getByRole('button', { name: 'Ban', exact: true }).click();
    await bob.waitForClose();
    expect(bob.lines().at(-1)).toBe(YOU_WERE_BANNED_LINE);
    // Everyone else is told who went, as a Tincan: line.
    await watcher.waitForLine(removedLine(bob.label, null, true));
    await transcript(page).locator('li', { hasText: `${bob.label}] was banned by the host` }).waitFor({ timeout: WAIT_MS });

    const again = await rawFrom(port, '127.0.0.22');
    await again.waitForClose();
    expect(again.lines()).toEqual([BANNED_LINE]);
    // Another address still may.
    const carol = await enterWithPassword(port, '127.0.0.24');
    await watcher.waitForLine(`[${carol.label}] (connected)`);

    const log = transcript(page);
    expect(await log.locator('li', { hasText: 'was removed by the host' }).count()).toBe(1);
    expect(await log.locator('li', { hasText: 'was banned by the host' }).count()).toBe(1);
    await host.screenshot('host-controls-notices');
    await expectAccessible(host, 'the removal and ban notices');
  }, 90_000);

  it('joining a room with a password from the app: the prompt, a wrong one refused with Try again, the right one in', async () => {
    const testRoom = await room({ password: PASSWORD });
    const app = await openApp();
    const { page } = app;
    const address = `127.0.0.1:${testRoom.port}`;
    await page.getByText('Join a room').click();
    await page.getByRole('textbox', { name: 'Host address' }).fill(address);
    await page.getByRole('button', { name: 'Join', exact: true }).click();

    const prompt = page.getByRole('form', { name: 'Room password' });
    await prompt.waitFor({ timeout: WAIT_MS });
    await prompt.getByText(`${address} asks for a password before you can join.`).waitFor({ timeout: WAIT_MS });
    await app.screenshot('host-controls-password-prompt');
    await expectAccessible(app, 'the password prompt');

    await prompt.getByLabel('Password', { exact: true }).fill('not it');
    await prompt.getByRole('button', { name: 'Enter the room' }).click();
    const refused = page.getByRole('alert').filter({ hasText: /wrong password/i });
    await refused.waitFor({ timeout: WAIT_MS });
    await app.screenshot('host-controls-password-refused');
    await expectAccessible(app, 'a wrong password refused');
    expect(testRoom.server.clients()).toHaveLength(0);

    await refused.getByRole('button', { name: 'Try again' }).click();
    await prompt.waitFor({ timeout: WAIT_MS });
    await prompt.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await prompt.getByRole('button', { name: 'Enter the room' }).click();
    // (The header says Connected while the room waits for the password: the prompt going and the echo say "in".)
    await prompt.waitFor({ state: 'detached', timeout: WAIT_MS });
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.fill('in at last');
    await composer.press('Enter');
    await waitForRow(page, 'in at last');
    expect(testRoom.server.clients()).toHaveLength(1);
    expect(app.pageErrors).toEqual([]);
  }, 60_000);
});
