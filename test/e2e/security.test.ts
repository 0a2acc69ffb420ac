/**
 * Encrypted rooms end to end in Chromium: the room key in the host panel, the changed-key
 * warning screen when a joiner's pinned key differs, trusting the new key on purpose, and the
 * lock with the key in the status bar; "Encrypted only" from the Host form (TLS commands in the
 * invite, plain terminals refused) and the roster's plain-text mark; axe finds nothing serious
 * on each screen.
 */
import { describe, expect, it } from 'vitest';
import { createHostCertificate } from '../../main/chat/host-certificate';
import { tlsRequiredNotice } from '../../main/chat/tls-transport';
import { RawClient } from '../support/raw-client';
import { shortFingerprint } from '../../main/common/fingerprint';
import { useTempDirs } from '../support/temp-dir';
import { WAIT_MS, useChromiumApps } from './fixture';

const { openApp, rawClient, defer } = useChromiumApps('security-');
const tempDir = useTempDirs();

describe('encrypted rooms in Chromium', () => {
  it('host panel key, changed-key warning, trusting it, and the lock', async () => {
    const host = await openApp({ certificateDir: await tempDir('tincan-e2e-key-') });
    await host.page.getByRole('radio', { name: /Only this computer/ }).click();
    await host.page.getByRole('button', { name: 'Start hosting' }).click();
    const panel = host.page.getByRole('complementary', { name: 'Room details' });
    await panel.getByText('Room key').waitFor({ timeout: WAIT_MS });
    const snapshot = await host.session.getSnapshot();
    const status = snapshot.ok ? snapshot.value.status : null;
    const fingerprint = status?.mode === 'hosting' ? status.security?.fingerprint ?? '' : '';
    const port = status?.mode === 'hosting' ? status.host.port : 0;
    expect(fingerprint).not.toBe('');
    await panel.getByText(shortFingerprint(fingerprint)).waitFor({ timeout: WAIT_MS });
    expect(await host.accessibilityProblems('host panel with the room key')).toEqual([]);

    // The joiner knew this address under another key.
    const old = (await createHostCertificate()).fingerprint;
    const joiner = await openApp({ preferences: { hostKeys: [{ address: `127.0.0.1:${port}`, fingerprint: old }] } });
    const { page } = joiner;
    await page.getByText('Join a room').click();
    await page.getByRole('textbox', { name: 'Host address' }).fill(`127.0.0.1:${port}`);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    const warning = page.getByRole('alert').filter({ hasText: 'the host’s key has changed' });
    await warning.waitFor({ timeout: WAIT_MS });
    expect(await warning.textContent()).toContain(shortFingerprint(old));
    expect(await warning.textContent()).toContain(shortFingerprint(fingerprint));
    expect(await joiner.accessibilityProblems('changed-key warning')).toEqual([]);

    await page.getByRole('button', { name: /trust the new key and join/ }).click();
    const bar = page.getByRole('banner', { name: 'Connection' });
    await bar.getByText('Connected').waitFor({ timeout: WAIT_MS });
    const lock = bar.getByLabel(`Encrypted. The host’s key starts ${shortFingerprint(fingerprint)}`);
    await lock.focus();
    await bar.getByRole('tooltip').getByText(fingerprint).waitFor({ state: 'visible', timeout: WAIT_MS });
    expect(await joiner.accessibilityProblems('joined over TLS, key shown')).toEqual([]);
    expect(joiner.pageErrors).toEqual([]);
  }, 60_000);

  it('"Encrypted only" from the Host form: the TLS command in the invite, nc refused, a TLS client in', async () => {
    const host = await openApp({ certificateDir: await tempDir('tincan-e2e-key-') });
    const { page } = host;
    await page.getByRole('radio', { name: /Only this computer/ }).click();
    await page.getByRole('checkbox', { name: 'Encrypted only' }).check();
    await page.getByText(/^ncat --ssl 127\.0\.0\.1 \d+$/).waitFor({ timeout: WAIT_MS });
    expect(await host.accessibilityProblems('host form, encrypted only')).toEqual([]);
    await page.getByRole('button', { name: 'Start hosting' }).click();
    const panel = page.getByRole('complementary', { name: 'Room details' });
    await panel.getByText('Room key').waitFor({ timeout: WAIT_MS });
    const snapshot = await host.session.getSnapshot();
    const status = snapshot.ok ? snapshot.value.status : null;
    const port = status?.mode === 'hosting' ? status.host.port : 0;
    await panel.getByText(`ncat --ssl 127.0.0.1 ${port}`).waitFor({ timeout: WAIT_MS });

    const plain = await rawClient(port);
    await plain.write('hello\n');
    await plain.waitForClose();
    expect(plain.text).toBe(tlsRequiredNotice().toString());
    const secure = await RawClient.connectTls(port);
    defer(() => secure.destroy());
    await panel.getByText(secure.label).waitFor({ timeout: WAIT_MS });
    expect(await panel.getByText('Plain text: not encrypted').count()).toBe(0);
    expect(await host.accessibilityProblems('hosting encrypted only')).toEqual([]);
    expect(host.pageErrors).toEqual([]);
  }, 60_000);

  it('the host\'s roster marks a member connected in plain text, in words with a title', async () => {
    const host = await openApp({ certificateDir: await tempDir('tincan-e2e-key-') });
    await host.page.getByRole('radio', { name: /Only this computer/ }).click();
    await host.page.getByRole('button', { name: 'Start hosting' }).click();
    const panel = host.page.getByRole('complementary', { name: 'Room details' });
    await panel.getByText('Room key').waitFor({ timeout: WAIT_MS });
    const snapshot = await host.session.getSnapshot();
    const status = snapshot.ok ? snapshot.value.status : null;
    const port = status?.mode === 'hosting' ? status.host.port : 0;
    const plain = await rawClient(port);
    await plain.write('hi\n');
    const secure = await RawClient.connectTls(port);
    defer(() => secure.destroy());
    const plainRow = panel.getByRole('listitem').filter({ hasText: plain.label });
    await plainRow.getByText('Plain text: not encrypted').waitFor({ timeout: WAIT_MS });
    expect(await plainRow.getByTitle(/Connected in plain text/).count()).toBe(1);
    const secureRow = panel.getByRole('listitem').filter({ hasText: secure.label });
    await secureRow.waitFor({ timeout: WAIT_MS });
    expect(await secureRow.getByText('Plain text').count()).toBe(0);
    // The host's own client (plain over loopback) is not marked: only one mark in the room.
    expect(await panel.getByText('Plain text: not encrypted').count()).toBe(1);
    expect(await host.accessibilityProblems('roster with a plain-text member')).toEqual([]);
  }, 60_000);
});
