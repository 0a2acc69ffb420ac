// @vitest-environment happy-dom
/**
 * The renderer's side of LAN discovery: the Join screen's "Rooms on your network", the room
 * name in the Host form, the join-failure help, and the host panel's labels and advice.
 */
import '@testing-library/jest-dom/vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DiscoveredRoom, HostInfo } from '../../main/common/ipc-contract';
import { FakeBridge, defaultTestPreferences, statusEvent } from './fake-bridge';
import { renderApp, type RenderedApp } from './render-app';
import { NOTHING_FOUND_AFTER_MS } from '../../renderer/src/components/NearbyRooms';

let app: RenderedApp | null = null;

afterEach(() => {
  app?.dispose();
  app = null;
  cleanup();
});

function room(overrides: Partial<DiscoveredRoom> = {}): DiscoveredRoom {
  return {
    key: 'id:0123456789abcdef',
    name: 'Lab 3',
    addresses: ['192.168.1.50:60003', '[fd00::50]:60003'],
    people: 4,
    sources: ['mdns', 'beacon'],
    appVersion: '0.1.0',
    lastSeen: 1,
    ...overrides,
  };
}

async function joinScreen(bridge: FakeBridge): Promise<RenderedApp> {
  bridge.snapshot.preferences = defaultTestPreferences({ lastMode: 'join', recentHosts: ['10.0.0.9:60003'] });
  return renderApp(bridge);
}

function roomsList() {
  return screen.getByRole('region', { name: 'Rooms on your network' });
}

describe('Rooms on your network', () => {
  it('lists what main has seen, follows "rooms" events, and stops looking when the Join screen closes', async () => {
    const bridge = new FakeBridge();
    bridge.rooms = [room()];
    app = await joinScreen(bridge);
    const list = roomsList();
    const button = await within(list).findByRole('button', { name: 'Join Lab 3 192.168.1.50:60003 · 4 people · Not encrypted' });
    expect(within(list).getByRole('status')).toHaveTextContent('1 room found, still looking');
    expect(bridge.callsTo('findRooms')).toHaveLength(1);

    app.emit([{ type: 'rooms', rooms: [room({ people: 1 }), room({ key: 'dns:py room._tincan._tcp.local', name: 'Py room', addresses: ['10.0.0.7:4000'], people: null })] }]);
    expect(within(list).getByRole('button', { name: 'Join Lab 3 192.168.1.50:60003 · 1 person · Not encrypted' })).toBeInTheDocument();
    expect(within(list).getByRole('button', { name: 'Join Py room 10.0.0.7:4000 · Not encrypted' })).toBeInTheDocument();
    expect(within(list).getByRole('status')).toHaveTextContent('2 rooms found, still looking');
    expect(button).toBeInTheDocument();

    app.emit([{ type: 'rooms', rooms: [] }]);
    expect(within(list).getByRole('status')).toHaveTextContent(/Looking for rooms…/);
    expect(within(list).queryByRole('button')).toBeNull();
    // Recent rooms stay below.
    expect(screen.getByRole('button', { name: '10.0.0.9:60003' })).toBeInTheDocument();

    fireEvent.click(screen.getByRole('radio', { name: 'Host a room' }));
    await waitFor(() => expect(bridge.callsTo('stopFindingRooms')).toHaveLength(1));
  });

  it('after a few seconds with nothing found, says what that usually means and what to do', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      app = await joinScreen(new FakeBridge());
      const list = roomsList();
      expect(within(list).getByRole('status')).toHaveTextContent(/Looking for rooms…/);
      expect(within(list).queryByText(/guest Wi-Fi/)).toBeNull();
      act(() => {
        vi.advanceTimersByTime(NOTHING_FOUND_AFTER_MS);
      });
      expect(within(list).getByRole('status')).toHaveTextContent('No rooms found on this network yet.');
      expect(within(list).getByText(/guest Wi-Fi often block finding rooms/)).toHaveTextContent(/Ask the host for the address/);
      app.emit([{ type: 'rooms', rooms: [room()] }]);
      expect(within(list).queryByText(/guest Wi-Fi/)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('one click joins the room at its best address', async () => {
    const bridge = new FakeBridge();
    bridge.rooms = [room()];
    app = await joinScreen(bridge);
    fireEvent.click(await within(roomsList()).findByRole('button', { name: /^Join Lab 3/ }));
    await screen.findByRole('button', { name: 'Leave' });
    expect(bridge.callsTo('join')).toEqual([{ address: '192.168.1.50:60003' }]);
    // The chat screen replaced the Join screen: no more looking.
    expect(bridge.callsTo('stopFindingRooms')).toHaveLength(1);
  });

  it('shows a hostile name as text, never as markup', async () => {
    const bridge = new FakeBridge();
    bridge.rooms = [room({ name: '<img src=x onerror=alert(1)><b>bold</b>' })];
    app = await joinScreen(bridge);
    const button = await within(roomsList()).findByRole('button', { name: /^Join <img src=x onerror=alert\(1\)><b>bold<\/b>/ });
    expect(button.querySelector('img, b')).toBeNull();
    expect(button).toHaveTextContent('<img src=x onerror=alert(1)><b>bold</b>');
  });

  it('shows a name cleaned of invisible characters, and marks a room another host also announces', async () => {
    const bridge = new FakeBridge();
    bridge.rooms = [
      room({ name: 'Lab\u3164\u2800 3\u{e0041}' }),
      room({ key: 'copy|192.168.1.66|id:0123456789abcdef', addresses: ['192.168.1.66:60003'], copyOf: 'id:0123456789abcdef' }),
    ];
    app = await joinScreen(bridge);
    const list = roomsList();
    const real = await within(list).findByRole('button', { name: 'Join Lab 3 192.168.1.50:60003 · 4 people · Not encrypted' });
    expect(real).not.toHaveTextContent(/another host/);
    expect(within(list).getByRole('button', { name: /^Join Lab 3 192\.168\.1\.66:60003 · 4 people · Not encrypted · another host announces this room too/ })).toBeInTheDocument();
  });

  it('a room whose announcement carries its key shows a lock and that its key is verified on join; one without says it is not encrypted', async () => {
    const KEY = Array.from({ length: 32 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0')).join(':');
    const bridge = new FakeBridge();
    bridge.rooms = [
      room({ key: 'id:000102030405060708090a0b0c0d0e0f', name: 'Keyed', fingerprint: KEY }),
      room({ key: 'copy|192.168.1.66|id:000102030405060708090a0b0c0d0e0f', name: 'Keyed', addresses: ['192.168.1.66:60003'], copyOf: 'id:000102030405060708090a0b0c0d0e0f' }),
      room({ key: 'id:1111111111111111', name: 'Plain', addresses: ['192.168.1.51:60003'] }),
    ];
    app = await joinScreen(bridge);
    const list = roomsList();
    const keyed = await within(list).findByRole('button', { name: 'Join Keyed 192.168.1.50:60003 · 4 people · Encrypted, host’s key verified on join' });
    expect(keyed.querySelector('.nearby-encrypted svg')).not.toBeNull();
    // A copy from elsewhere is joined against the real room's key: verified too (and a forger fails the check).
    expect(within(list).getByRole('button', { name: /^Join Keyed 192\.168\.1\.66:60003 .*Encrypted, host’s key verified on join/ })).toBeInTheDocument();
    const plain = within(list).getByRole('button', { name: 'Join Plain 192.168.1.51:60003 · 4 people · Not encrypted' });
    expect(plain.querySelector('svg')).toBeNull();
  });

  it('an answer that arrives after a newer "rooms" event does not overwrite it', async () => {
    const bridge = new FakeBridge();
    let answer: () => void = () => {};
    const original = bridge.findRooms.bind(bridge);
    bridge.findRooms = () => new Promise((resolve) => (answer = () => resolve(original())));
    bridge.rooms = [room({ name: 'Stale' })];
    app = await joinScreen(bridge);
    app.emit([{ type: 'rooms', rooms: [room({ name: 'Fresh' })] }]);
    await act(async () => answer());
    expect(within(roomsList()).getByRole('button', { name: /^Join Fresh/ })).toBeInTheDocument();
    expect(within(roomsList()).queryByRole('button', { name: /^Join Stale/ })).toBeNull();
  });
});

describe('a failed join', () => {
  it('says why, what to try, and copies the test command', async () => {
    const bridge = new FakeBridge();
    bridge.joinHandler = async () => ({
      ok: false,
      error: 'Timed out after 5 s',
      help: { summary: '10.0.0.5:60003 did not answer.', suggestion: 'A firewall on the host is probably blocking port 60003.', command: 'nc -vz 10.0.0.5 60003' },
    });
    app = await joinScreen(bridge);
    fireEvent.change(screen.getByRole('textbox', { name: 'Host address' }), { target: { value: '10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('10.0.0.5:60003 did not answer.');
    expect(alert).toHaveTextContent('A firewall on the host is probably blocking port 60003.');
    expect(alert).toHaveTextContent('nc -vz 10.0.0.5 60003');
    fireEvent.click(within(alert).getByRole('button', { name: 'Copy test command' }));
    await within(alert).findByRole('button', { name: 'Copied' });
    expect(bridge.callsTo('copyText')).toEqual(['nc -vz 10.0.0.5 60003']);
  });

  it('lists the usual LAN causes main names, as a list under the error', async () => {
    const bridge = new FakeBridge();
    const causes = ['A firewall on the host drops the connection.', 'You are on a different network from the host.', 'The host chose “Only this computer” when hosting.'];
    bridge.joinHandler = async () => ({
      ok: false,
      error: 'Timed out after 5 s',
      help: { summary: '10.0.0.5:60003 did not answer.', suggestion: null, command: null, causes },
    });
    app = await joinScreen(bridge);
    fireEvent.change(screen.getByRole('textbox', { name: 'Host address' }), { target: { value: '10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    const alert = await screen.findByRole('alert');
    const list = within(alert).getByRole('list', { name: 'On a local network this is usually one of these:' });
    expect(within(list).getAllByRole('listitem').map((item) => item.textContent)).toEqual(causes);
  });
});

describe('the Host form’s room name', () => {
  it('starts with main’s default name and sends a changed name; the default goes unsaid', async () => {
    const bridge = new FakeBridge();
    app = await renderApp(bridge);
    const name = screen.getByRole('textbox', { name: 'Room name' });
    expect(name).toHaveValue('ana’s room on lab-3');
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([{ port: 60003, scope: 'lan' }]);
  });

  it('remembers the last name, refuses one over 63 bytes before asking main, and is off for this computer only', async () => {
    const bridge = new FakeBridge();
    bridge.snapshot.preferences = defaultTestPreferences({ roomName: 'Lab 3' });
    app = await renderApp(bridge);
    const name = screen.getByRole('textbox', { name: 'Room name' });
    expect(name).toHaveValue('Lab 3');
    fireEvent.change(name, { target: { value: '😀'.repeat(16) } });
    expect(screen.getByText(/Too long: at most 63 bytes/)).toBeInTheDocument();
    expect(name).toHaveAttribute('aria-invalid', 'true');
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    expect(bridge.callsTo('host')).toEqual([]);

    fireEvent.click(screen.getByRole('radio', { name: /Only this computer/ }));
    expect(name).toBeDisabled();
    expect(screen.getByText('A room for this computer only is not listed on the network.')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([{ port: 60003, scope: 'local' }]);
  });

  it('sends a name the host typed', async () => {
    const bridge = new FakeBridge();
    app = await renderApp(bridge);
    fireEvent.change(screen.getByRole('textbox', { name: 'Room name' }), { target: { value: '  Friday LAN party ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([{ port: 60003, scope: 'lan', name: 'Friday LAN party' }]);
  });
});

describe('the host panel', () => {
  it('names each share address’s interface, says how the room is listed, and shows advice with a command to copy', async () => {
    const bridge = new FakeBridge();
    app = await renderApp(bridge);
    const host: HostInfo = {
      port: 60003,
      scope: 'lan',
      shareAddresses: [
        { address: '192.168.1.20:60003', interfaceName: 'wlp2s0', label: 'Wi-Fi (wlp2s0)' },
        { address: '172.17.0.1:60003', interfaceName: 'docker0', label: 'Virtual network (docker0)' },
      ],
      roomName: 'Lab 3',
      advice: [
        { summary: 'This computer only has a self-assigned address (169.254.x.x or fe80::), so most others cannot reach it.', suggestion: 'Reconnect.', command: null },
        { summary: 'The firewall (ufw) is on and does not allow TCP port 60003.', suggestion: 'Allow it:', command: 'sudo ufw allow 60003/tcp' },
      ],
    };
    app.emit([statusEvent({ mode: 'hosting', host, connection: 'connected', self: '127.0.0.1:5000' })]);
    const panel = await screen.findByRole('complementary', { name: 'Room details' });
    const invite = within(panel).getAllByRole('listitem').slice(0, 4);
    expect(invite[0]).toHaveTextContent('“Lab 3”In Tincan’s list of rooms');
    expect(invite[1]).toHaveTextContent('192.168.1.20:60003Wi-Fi (wlp2s0)');
    expect(invite[2]).toHaveTextContent('172.17.0.1:60003Virtual network (docker0)');
    expect(invite[3]).toHaveTextContent('nc 192.168.1.20 60003Without the app, from a terminal');
    fireEvent.click(within(invite[0]!).getByRole('button', { name: 'Copy the room’s name' }));
    fireEvent.click(within(invite[1]!).getByRole('button', { name: 'Copy 192.168.1.20:60003' }));
    fireEvent.click(within(invite[3]!).getByRole('button', { name: 'Copy the command' }));
    await waitFor(() => expect(bridge.callsTo('copyText')).toEqual(['Lab 3', '192.168.1.20:60003', 'nc 192.168.1.20 60003']));
    const notes = within(panel).getAllByRole('note');
    expect(notes[0]).toHaveTextContent('self-assigned address');
    fireEvent.click(within(notes[1]!).getByRole('button', { name: 'Copy the command' }));
    await waitFor(() => expect(bridge.callsTo('copyText')).toContain('sudo ufw allow 60003/tcp'));
  });
});
