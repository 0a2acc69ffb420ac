// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinInfo, Result } from '../../main/common/ipc-contract';
import { useChatStore } from '../../renderer/src/state/store';
import { FakeBridge, defaultTestPreferences } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';

let app: RenderedApp | null = null;

afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

function bridgeWith(preferences: Parameters<typeof defaultTestPreferences>[0]): FakeBridge {
  const bridge = new FakeBridge();
  bridge.snapshot.preferences = defaultTestPreferences(preferences);
  return bridge;
}

function joinMode() {
  fireEvent.click(screen.getByRole('radio', { name: 'Join a room' }));
  return screen.getByRole('textbox', { name: 'Host address' });
}

describe('start screen', () => {
  it('preselects the last used mode and the saved port and scope', async () => {
    app = await renderApp(bridgeWith({ lastMode: 'host', lastPort: 4000, lastScope: 'local' }));
    expect(screen.getByRole('radio', { name: 'Host a room' })).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Port' })).toHaveValue('4000');
    expect(screen.getByRole('radio', { name: /Only this computer/ })).toBeChecked();
    app.dispose();
    cleanup();

    app = await renderApp(bridgeWith({ lastMode: 'join' }));
    expect(screen.getByRole('radio', { name: 'Join a room' })).toBeChecked();
    expect(screen.getByRole('textbox', { name: 'Host address' })).toHaveFocus();
  });

  it('explains a bad address as the user types, before any connection is tried', async () => {
    app = await renderApp();
    const address = joinMode();
    fireEvent.change(address, { target: { value: '300.1.2.3' } });
    expect(screen.getByText(/not a valid IPv4 address/)).toBeInTheDocument();
    expect(address).toHaveAttribute('aria-invalid', 'true');

    fireEvent.change(address, { target: { value: '10.0.0.5:99999' } });
    expect(screen.getByText(/“99999” is not a port/)).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(app.bridge.callsTo('join')).toHaveLength(0);

    fireEvent.change(address, { target: { value: '10.0.0.5' } });
    expect(address).toHaveAttribute('aria-invalid', 'false');
    expect(screen.getByText('Will connect to 10.0.0.5 on port 60003.')).toBeInTheDocument();
  });

  it('keeps Join disabled until the address parses, with an example rather than a value as placeholder', async () => {
    app = await renderApp();
    const address = joinMode();
    expect(address).toHaveAttribute('placeholder', 'e.g. 192.168.1.20:60003');
    const join = screen.getByRole('button', { name: 'Join' });
    expect(join).toBeDisabled();
    fireEvent.change(address, { target: { value: '10.0.0.' } });
    expect(join).toBeDisabled();
    fireEvent.submit(address.closest('form')!);
    expect(app.bridge.callsTo('join')).toHaveLength(0);
    fireEvent.change(address, { target: { value: '10.0.0.5:4000' } });
    expect(join).toBeEnabled();
  });

  it('shows the address others will join at before hosting, and terminal commands with real values', async () => {
    app = await renderApp();
    const port = screen.getByRole('textbox', { name: 'Port' });
    expect(screen.getByText('Others will join at 192.168.1.20:60003 · Wi-Fi (wlan0).')).toBeInTheDocument();
    expect(screen.getByText('nc 192.168.1.20 60003')).toBeInTheDocument();
    expect(screen.getByText('telnet 192.168.1.20 60003')).toBeInTheDocument();
    fireEvent.change(port, { target: { value: '4000' } });
    expect(screen.getByText('Others will join at 192.168.1.20:4000 · Wi-Fi (wlan0).')).toBeInTheDocument();
    expect(screen.getByText('nc 192.168.1.20 4000')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('radio', { name: /Only this computer/ }));
    expect(screen.getByText('Only this computer can join, at 127.0.0.1:4000.')).toBeInTheDocument();
    expect(screen.getByText('nc 127.0.0.1 4000')).toBeInTheDocument();
    // Nowhere the literal placeholder HOST that someone might type.
    expect(document.body.textContent).not.toMatch(/\bHOST\b/);

    const address = joinMode();
    expect(screen.getByText(/with the host’s address and port work too/)).toBeInTheDocument();
    fireEvent.change(address, { target: { value: '10.0.0.5:4100' } });
    expect(screen.getByText('nc 10.0.0.5 4100')).toBeInTheDocument();
  });

  it('says no network address is known when the machine has none', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.networkHosts = [];
    app = await renderApp(bridge);
    expect(screen.getByText(/No network address yet/)).toBeInTheDocument();
    expect(screen.getByText(/with the host’s address and port work too/)).toBeInTheDocument();
  });

  it('joins with what the user typed and switches to the chat screen', async () => {
    app = await renderApp();
    const address = joinMode();
    fireEvent.change(address, { target: { value: ' 10.0.0.5:4000 ' } });
    fireEvent.submit(address.closest('form')!);
    await screen.findByRole('log', { name: 'Messages' });
    expect(app.bridge.callsTo('join')).toEqual([{ address: '10.0.0.5:4000' }]);
    expect(screen.getByRole('button', { name: 'Leave' })).toBeInTheDocument();
  });

  it('hosts with the chosen port and scope', async () => {
    app = await renderApp();
    fireEvent.change(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '4100' } });
    fireEvent.click(screen.getByRole('radio', { name: /Only this computer/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(app.bridge.callsTo('host')).toEqual([{ port: 4100, scope: 'local' }]);
    expect(screen.getByRole('complementary', { name: 'Room details' })).toBeInTheDocument();
  });

  it('"Encrypted only": explained, kept from last time, sent with the host request; the terminal commands become TLS ones', async () => {
    const bridge = bridgeWith({ lastEncryptedOnly: true });
    bridge.hostHandler = async (request) => ({
      ok: true,
      value: {
        port: request.port,
        scope: request.scope,
        shareAddresses: [{ address: `192.168.1.20:${request.port}`, interfaceName: 'wlan0', label: 'Wi-Fi (wlan0)' }],
        roomName: null,
        advice: [],
        ...(request.encryptedOnly === true && { encryptedOnly: true }),
      },
    });
    app = await renderApp(bridge);
    const box = screen.getByRole('checkbox', { name: 'Encrypted only' });
    expect(box).toBeChecked();
    expect(box).toHaveAccessibleDescription(/people in a terminal then need ncat --ssl or openssl s_client -quiet -connect instead of nc or telnet/);
    expect(screen.getByText('ncat --ssl 192.168.1.20 60003')).toBeInTheDocument();
    expect(screen.getByText('openssl s_client -quiet -connect 192.168.1.20:60003')).toBeInTheDocument();
    expect(screen.queryByText('nc 192.168.1.20 60003')).toBeNull();
    fireEvent.click(box);
    expect(screen.getByText('nc 192.168.1.20 60003')).toBeInTheDocument();
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([{ port: 60003, scope: 'lan', encryptedOnly: true }]);
    // The invite gives the TLS command, and says nc and telnet are refused.
    const panel = screen.getByRole('complementary', { name: 'Room details' });
    expect(panel).toHaveTextContent('ncat --ssl 192.168.1.20 60003');
    expect(panel).toHaveTextContent('nc and telnet are refused');
    expect(panel).not.toHaveTextContent(/\bnc 192/);
  });

  it('refuses a port outside 1–65535 without calling main', async () => {
    app = await renderApp();
    fireEvent.change(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '70000' } });
    expect(screen.getByText('Use a port number from 1 to 65535.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(app.bridge.callsTo('host')).toHaveLength(0);
  });

  it('shows a failure next to the action and lets the user fix it and retry', async () => {
    const bridge = new FakeBridge();
    bridge.hostHandler = async () => ({ ok: false, error: 'Port 60003 is already in use.' });
    app = await renderApp(bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Port 60003 is already in use.');
    expect(screen.getByRole('textbox', { name: 'Port' })).toHaveFocus();

    // Editing the field clears the stale error; the retry goes through.
    fireEvent.change(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '60004' } });
    expect(screen.queryByRole('alert')).toBeNull();
    bridge.hostHandler = new FakeBridge().hostHandler;
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([
      { port: 60003, scope: 'lan' },
      { port: 60004, scope: 'lan' },
    ]);
  });

  it('shows progress while joining, and Cancel stops it without an error', async () => {
    const bridge = new FakeBridge();
    let answer: (result: Result<JoinInfo>) => void = () => {};
    bridge.joinHandler = () => new Promise((resolve) => (answer = resolve));
    app = await renderApp(bridge);
    fireEvent.change(joinMode(), { target: { value: '10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByText('Connecting to 10.0.0.5…')).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Host address' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();

    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(bridge.callsTo('cancelJoin')).toHaveLength(1));
    await act(async () => answer({ ok: false, error: 'Joining was cancelled.' }));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('button', { name: 'Join' })).toBeEnabled();
    expect(screen.getByRole('textbox', { name: 'Host address' })).toHaveValue('10.0.0.5');
  });

  it('shows a refused connection as an error under Join', async () => {
    const bridge = new FakeBridge();
    bridge.joinHandler = async () => ({ ok: false, error: 'Nobody is hosting at 10.0.0.5:60003 (connection refused).' });
    app = await renderApp(bridge);
    fireEvent.change(joinMode(), { target: { value: '10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('connection refused');
    // Still on the start screen, with the address kept (and focused) for a retry.
    expect(screen.getByRole('textbox', { name: 'Host address' })).toHaveValue('10.0.0.5');
    expect(screen.getByRole('textbox', { name: 'Host address' })).toHaveFocus();
  });

  it('fills the address from a recent host and forgets one on request', async () => {
    app = await renderApp(bridgeWith({ lastMode: 'join', recentHosts: ['10.0.0.5:60003', 'pi.lan:4000'] }));
    const recent = screen.getByRole('region', { name: 'Recent rooms' });
    fireEvent.click(within(recent).getByRole('button', { name: 'pi.lan:4000' }));
    expect(screen.getByRole('textbox', { name: 'Host address' })).toHaveValue('pi.lan:4000');

    fireEvent.click(within(recent).getByRole('button', { name: 'Forget 10.0.0.5:60003' }));
    await waitFor(() => expect(within(recent).queryByRole('button', { name: '10.0.0.5:60003' })).toBeNull());
    expect(app.bridge.callsTo('forgetRecentHost')).toEqual(['10.0.0.5:60003']);
    expect(useChatStore.getState().preferences?.recentHosts).toEqual(['pi.lan:4000']);
  });

  it('shows an error notice from main, e.g. a reconnect that gave up', async () => {
    app = await renderApp();
    app.emit([{ type: 'notice', level: 'error', message: 'Gave up reconnecting to 10.0.0.5:60003.' }]);
    expect(screen.getByRole('alert')).toHaveTextContent('Gave up reconnecting');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
