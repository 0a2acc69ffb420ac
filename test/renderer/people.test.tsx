// @vitest-environment happy-dom
/**
 * People in the window: names beside addresses (transcript, roster, "You appear as"), the
 * server's notices, the catch-up divider, the topic, and the name in Settings.
 */
import '@testing-library/jest-dom/vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ChatLine, SessionStatus } from '../../main/common/ipc-contract';
import { peerHueClass } from '../../renderer/src/lib/peer-colour';
import { MAX_KNOWN_NAMES, initialChatState, reduceEvents } from '../../renderer/src/state/store';
import { chatLine } from './fake-bridge';
import { appRendererPerTest, type RenderedApp } from './render-app';

const SELF = '10.0.0.9:40000';
const ALICE = '10.0.0.5:50123';
const joined: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, connection: 'connected', self: SELF };
const hosting: SessionStatus = {
  mode: 'hosting',
  host: { port: 60003, scope: 'local', shareAddresses: [], roomName: null, advice: [] },
  connection: 'connected',
  self: SELF,
};

const render = appRendererPerTest({ displayName: 'ana' });
const openRoom = (status: SessionStatus = joined): Promise<RenderedApp> => render(status);

/** A line the server wrote itself, as the session hands it over. */
function notice(text: string, parsed: NonNullable<ChatLine['notice']>, peer = ''): ChatLine {
  return chatLine({ kind: 'notice', peer, text, notice: parsed });
}

function log(): HTMLElement {
  return screen.getByRole('log', { name: 'Messages' });
}

describe('names in the window', () => {
  it('shows the name with the address beside it; a rename keeps the colour; a member\'s look-alike changes nothing', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [
          chatLine({ peer: ALICE, text: 'before my name' }),
          notice(`Tincan: [${ALICE}] is now alice`, { kind: 'name', peer: ALICE, name: 'alice', previous: null }, ALICE),
          chatLine({ peer: ALICE, text: 'hi, I am alice' }),
          chatLine({ peer: '10.0.0.6:4000', text: `Tincan: [${ALICE}] is now admin` }),
        ],
      },
    ]);
    const rows = within(log()).getAllByRole('listitem');
    const named = rows.find((row) => row.textContent.includes('hi, I am alice'))!;
    const sender = named.querySelector('.sender')!;
    expect(sender.querySelector('.sender-name')).toHaveTextContent('alice');
    expect(sender.querySelector('.sender-address')).toHaveTextContent(ALICE);
    expect(sender).toHaveClass(peerHueClass(ALICE));
    expect(within(log()).getByText(`${ALICE} is now alice`)).toBeInTheDocument();
    // The look-alike is bob's own line, shown as his message; alice keeps her name.
    expect(within(log()).getByText(`Tincan: [${ALICE}] is now admin`).closest('li')).toHaveClass('row-message');
    expect(within(log()).queryAllByText('admin', { selector: '.sender-name' })).toHaveLength(0);

    emit([{ type: 'lines', lines: [notice(`Tincan: [${ALICE}] alice is now al`, { kind: 'name', peer: ALICE, name: 'al', previous: 'alice' }, ALICE)] }]);
    const renamed = within(log()).getByText('hi, I am alice').closest('li')!.querySelector('.sender')!;
    expect(renamed.querySelector('.sender-name')).toHaveTextContent('al');
    expect(renamed).toHaveClass(peerHueClass(ALICE));

    emit([{ type: 'lines', lines: [notice(`Tincan: [${ALICE}] is no longer al`, { kind: 'name', peer: ALICE, name: null, previous: 'al' }, ALICE)] }]);
    expect(within(log()).getByText('hi, I am alice').closest('li')!.querySelector('.sender-name')).toBeNull();
  });

  it('says how others see this user, by the composer', async () => {
    const { emit } = await openRoom();
    expect(screen.getByText(/You appear as/)).toHaveTextContent(`You appear as ${SELF}`);
    emit([{ type: 'lines', lines: [notice(`Tincan: [${SELF}] is now ana`, { kind: 'name', peer: SELF, name: 'ana', previous: null }, SELF)] }]);
    expect(screen.getByText(/You appear as/)).toHaveTextContent(`You appear as ana · ${SELF}`);
  });

  it('shows names in the host\'s roster', async () => {
    const { emit } = await openRoom(hosting);
    emit([
      { type: 'roster', clients: [{ id: 1, peer: ALICE, connectedAt: Date.now(), linesSent: 0 }] },
      { type: 'lines', lines: [notice(`Tincan: [${ALICE}] is now alice`, { kind: 'name', peer: ALICE, name: 'alice', previous: null }, ALICE)] },
    ]);
    const roster = screen.getByRole('complementary', { name: 'Room details' });
    expect(within(roster).getByText('alice')).toHaveClass('sender-name');
    expect(within(roster).getByText(ALICE)).toHaveClass('sender-address');
  });

  it('a refused name says why and offers the name editor, which saves the name', async () => {
    const { emit, bridge } = await openRoom();
    emit([{ type: 'lines', lines: [notice('Tincan: name refused: ana is taken by [10.0.0.2:1]; choose another.', { kind: 'name-refused', reason: 'ana is taken by [10.0.0.2:1]; choose another.' })] }]);
    expect(within(log()).getByText(/Your name was refused: ana is taken by \[10\.0\.0\.2:1\]; choose another\./)).toBeInTheDocument();
    fireEvent.click(within(log()).getByRole('button', { name: 'Choose another name' }));
    const field = await screen.findByRole('textbox', { name: 'Your name' });
    expect(field).toHaveValue('ana');
    expect(field).toHaveFocus();
    fireEvent.change(field, { target: { value: ' ana b ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save name' }));
    await waitFor(() => expect(bridge.callsTo('updateSettings')).toEqual([{ displayName: 'ana b' }]));
    // Saved: the editor closes, back to "You appear as".
    await waitFor(() => expect(screen.queryByRole('textbox', { name: 'Your name' })).toBeNull());
    expect(screen.getByText(/You appear as/)).toBeInTheDocument();
  });

  it('changes the name from "You appear as"; Cancel and Escape leave it as it was', async () => {
    const { bridge } = await openRoom();
    fireEvent.click(screen.getByRole('button', { name: 'Choose a name' }));
    const field = screen.getByRole('textbox', { name: 'Your name' });
    fireEvent.change(field, { target: { value: 'zed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('textbox', { name: 'Your name' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Choose a name' }));
    fireEvent.keyDown(screen.getByRole('textbox', { name: 'Your name' }), { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Your name' })).toBeNull();
    expect(bridge.callsTo('updateSettings')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Choose a name' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Your name' }), { target: { value: 'zed' } });
    fireEvent.submit(screen.getByRole('textbox', { name: 'Your name' }).closest('form')!);
    await waitFor(() => expect(bridge.callsTo('updateSettings')).toEqual([{ displayName: 'zed' }]));
  });

  it('keeps at most MAX_KNOWN_NAMES names, forgetting the oldest', () => {
    const lines = Array.from({ length: MAX_KNOWN_NAMES + 5 }, (_, index) => {
      const peer = `10.1.${Math.floor(index / 250)}.${index % 250}:1`;
      return notice(`Tincan: [${peer}] is now p${index}`, { kind: 'name', peer, name: `p${index}`, previous: null }, peer);
    });
    const state = reduceEvents(initialChatState(), [{ type: 'lines', lines }], 0);
    expect(state.names.size).toBe(MAX_KNOWN_NAMES);
    expect(state.names.has(lines[0]!.peer)).toBe(false);
    expect(state.names.get(lines.at(-1)!.peer)).toBe(`p${MAX_KNOWN_NAMES + 4}`);
  });
});

describe('catch-up and topic', () => {
  it('puts replayed lines under a "Before you joined" divider, live ones after', async () => {
    const { emit } = await openRoom();
    emit([
      {
        type: 'lines',
        lines: [
          notice('Tincan: the last 2 lines, 10:02–10:14:', { kind: 'replay-start', count: 2 }),
          chatLine({ peer: ALICE, text: 'said before', replayed: true }),
          chatLine({ peer: ALICE, text: 'said before too', replayed: true }),
          notice('Tincan: end of the replay; live from here.', { kind: 'replay-end' }),
          chatLine({ peer: ALICE, text: 'said now' }),
        ],
      },
    ]);
    const items = within(log()).getAllByRole('listitem').map((item) => item.textContent);
    const divider = within(log()).getByRole('separator', { name: 'Before you joined' });
    expect(items.indexOf(divider.closest('li')!.textContent)).toBe(items.findIndex((text) => text.includes('said before')) - 1);
    expect(within(log()).getByText('said before').closest('li')).toHaveClass('row-replayed');
    expect(within(log()).getByText('said now').closest('li')).not.toHaveClass('row-replayed');
    expect(within(log()).getByRole('separator', { name: 'Live from here' })).toBeInTheDocument();
  });

  it('shows the topic in the header for a joiner, without an edit', async () => {
    const { emit } = await openRoom();
    emit([{ type: 'lines', lines: [notice('Tincan: topic: Lab 3 finals', { kind: 'topic', topic: 'Lab 3 finals' })] }]);
    const header = screen.getByRole('banner', { name: 'Connection' });
    expect(within(header).getByText('Lab 3 finals')).toBeInTheDocument();
    expect(within(header).queryByRole('button', { name: 'Edit topic' })).toBeNull();
    emit([{ type: 'lines', lines: [notice('Tincan: the topic was cleared.', { kind: 'topic', topic: null })] }]);
    expect(within(header).queryByText('Lab 3 finals')).toBeNull();
  });

  it('lets the host set the topic from the window', async () => {
    const { bridge } = await openRoom(hosting);
    const header = screen.getByRole('banner', { name: 'Connection' });
    fireEvent.click(within(header).getByRole('button', { name: 'Set a topic' }));
    const input = within(header).getByRole('textbox', { name: 'Topic' });
    fireEvent.change(input, { target: { value: ' Finals tonight ' } });
    fireEvent.submit(input.closest('form')!);
    await waitFor(() => expect(bridge.callsTo('setTopic')).toEqual([{ topic: 'Finals tonight' }]));
  });

  it('the Host form takes a topic and says newcomers see the last 50 lines', async () => {
    const app = await openRoom({ mode: 'idle' });
    expect(screen.getByText(/Newcomers will see the last 50 lines/)).toBeInTheDocument();
    fireEvent.change(screen.getByRole('textbox', { name: 'Topic (optional)' }), { target: { value: 'Finals' } });
    fireEvent.click(screen.getByRole('radio', { name: /Only this computer/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(app.bridge.callsTo('host')).toEqual([{ port: 60003, scope: 'local', topic: 'Finals' }]);
  });
});
