// @vitest-environment happy-dom
/**
 * Whether a room is encrypted, as the window shows it: a lock with the host's key on hover or
 * focus, or a plain "Not encrypted" sentence; the room key in the host panel; and the warning
 * that stops a join to a host whose key changed, with a deliberate way on.
 */
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyWarning, SessionStatus } from '../../main/common/ipc-contract';
import { PLAIN_MEMBER_TITLE } from '../../renderer/src/components/Roster';
import { FakeBridge } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

const KEY = 'AB:12:CD:34:EF:56:78:90:' + Array.from({ length: 24 }, (_, i) => (i + 16).toString(16).toUpperCase().padStart(2, '0')).join(':');
const OTHER = '01:23:45:67:89:AB:CD:EF:' + Array.from({ length: 24 }, () => '00').join(':');
const joined: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, connection: 'connected', self: '10.0.0.9:40000' };
const hosting: SessionStatus = {
  mode: 'hosting',
  host: { port: 60003, scope: 'lan', shareAddresses: [{ address: '192.168.1.20:60003', interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' }], roomName: 'Lab 3', advice: [] },
  connection: 'connected',
  self: '127.0.0.1:45000',
};

let app: RenderedApp | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

async function open(status: SessionStatus): Promise<RenderedApp> {
  const bridge = new FakeBridge();
  bridge.snapshot.status = status;
  app = await renderApp(bridge);
  return app;
}

describe('the room\'s encryption in the window', () => {
  it('an encrypted room: a lock, and the key on hover or focus', async () => {
    await open({ ...joined, security: { encrypted: true, fingerprint: KEY } });
    const lock = screen.getByLabelText('Encrypted. The host’s key starts AB12 CD34 EF56 7890');
    expect(lock).toHaveAttribute('tabindex', '0');
    expect(lock).toHaveAttribute('title', expect.stringContaining(KEY));
    const tooltip = screen.getByRole('tooltip');
    expect(lock).toHaveAttribute('aria-describedby', tooltip.id);
    expect(tooltip).toHaveTextContent(KEY);
    expect(screen.queryByText(/Not encrypted/)).toBeNull();
  });

  it('a plain room says so plainly', async () => {
    await open(joined);
    expect(screen.getByTitle('Not encrypted: anyone on this network can read this room')).toHaveTextContent('Not encrypted: anyone on this network can read this room');
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('the host panel shows the room key: the short form to read aloud and the full SHA-256', async () => {
    await open({ ...hosting, security: { encrypted: true, fingerprint: KEY } });
    const panel = screen.getByRole('complementary', { name: 'Room details' });
    expect(panel).toHaveTextContent('Room key');
    expect(panel).toHaveTextContent('AB12 CD34 EF56 7890');
    expect(panel).toHaveTextContent(KEY);
  });

  it('the host\'s roster marks who is connected in plain text, in words and a title; the host\'s own client is not marked', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = { ...hosting, security: { encrypted: true, fingerprint: KEY } };
    bridge.snapshot.roster = [
      { id: 1, peer: '127.0.0.1:45000', connectedAt: Date.now(), linesSent: 0, encrypted: false },
      { id: 2, peer: '10.0.0.2:5000', connectedAt: Date.now(), linesSent: 0, encrypted: true },
      { id: 3, peer: '10.0.0.3:5000', connectedAt: Date.now(), linesSent: 0, encrypted: false },
    ];
    app = await renderApp(bridge);
    const rows = within(screen.getByRole('complementary', { name: 'Room details' })).getAllByRole('listitem').filter((row) => row.classList.contains('roster-row'));
    expect(rows).toHaveLength(3);
    const plain = rows.map((row) => row.querySelector(`[title="${PLAIN_MEMBER_TITLE}"]`));
    expect(plain.map((mark) => mark !== null)).toEqual([false, false, true]);
    expect(rows[2]).toHaveTextContent('Plain text: not encrypted');
    expect(rows[1]).not.toHaveTextContent('Plain text');
  });

  it('in a room that is not encrypted, nobody is marked (the status bar says it of the whole room)', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.status = hosting;
    bridge.snapshot.roster = [{ id: 3, peer: '10.0.0.3:5000', connectedAt: Date.now(), linesSent: 0, encrypted: false }];
    app = await renderApp(bridge);
    expect(screen.getByRole('complementary', { name: 'Room details' })).not.toHaveTextContent('Plain text');
  });

  it('a changed key stops the join with a warning; trusting the new key is a deliberate second join', async () => {
    const bridge = new FakeBridge();
    const warning: KeyWarning = { address: '10.0.0.5:60003', kind: 'changed', expected: OTHER, shown: KEY, message: 'The host at 10.0.0.5:60003 showed a different key. Someone may be pretending to be the host.' };
    bridge.joinHandler = async (request) =>
      request.trust === undefined ? { ok: false, error: warning.message, keyWarning: warning } : { ok: true, value: { host: '10.0.0.5', port: 60003 } };
    app = await renderApp(bridge);
    fireEvent.click(screen.getByRole('radio', { name: 'Join a room' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Host address' }), { target: { value: '10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Warning: the host’s key has changed');
    expect(alert).toHaveTextContent('pretending to be the host');
    expect(alert).toHaveTextContent('0123 4567 89AB CDEF');
    expect(alert).toHaveTextContent('AB12 CD34 EF56 7890');
    fireEvent.click(screen.getByRole('button', { name: /trust the new key and join/ }));
    await waitFor(() => expect(bridge.callsTo('join')).toHaveLength(2));
    expect(bridge.callsTo('join')[1]).toEqual({ address: '10.0.0.5:60003', trust: KEY });
  });
});
