// @vitest-environment happy-dom
/**
 * The host decides who is in the room, in the window: the Host form's password, the prompt
 * when a joined room asks for one (and its refusal, with a retry), and the roster's Remove
 * and Ban (Ban asks first).
 */
import '@testing-library/jest-dom/vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { SessionStatus } from '../../main/common/ipc-contract';
import { appRendererPerTest, type RenderedApp } from './render-app';

const SELF = '10.0.0.9:40000';
const ALICE = '10.0.0.5:50123';
const ROOM = '10.0.0.1:60003';
const joined: SessionStatus = { mode: 'joined', target: { host: '10.0.0.1', port: 60003 }, connection: 'connected', self: SELF };
const hosting: SessionStatus = {
  mode: 'hosting',
  host: { port: 60003, scope: 'local', shareAddresses: [], roomName: null, advice: [] },
  connection: 'connected',
  self: SELF,
};

const render = appRendererPerTest({ lastMode: 'host' });
const open = (status: SessionStatus = { mode: 'idle' }): Promise<RenderedApp> => render(status);

describe('the room password in the window', () => {
  it('the Host form sends the optional password, as a password field', async () => {
    const { bridge } = await open();
    const field = screen.getByLabelText('Password (optional)');
    expect(field).toHaveAttribute('type', 'password');
    fireEvent.change(field, { target: { value: 'open sesame' } });
    fireEvent.click(screen.getByRole('button', { name: 'Start hosting' }));
    await screen.findByRole('button', { name: 'Stop hosting' });
    expect(bridge.callsTo('host')).toEqual([expect.objectContaining({ password: 'open sesame' })]);
  });

  it('asks when the joined room asks, sends the password with "remember", and goes once the room takes it', async () => {
    const { bridge, emit } = await open(joined);
    expect(screen.queryByRole('form', { name: 'Room password' })).toBeNull();
    emit([{ type: 'password', state: 'required', address: ROOM, message: null }]);
    const form = await screen.findByRole('form', { name: 'Room password' });
    expect(within(form).getByText(`${ROOM} asks for a password before you can join.`)).toBeInTheDocument();
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'open sesame' } });
    fireEvent.click(within(form).getByRole('checkbox', { name: 'Remember for this host' }));
    fireEvent.click(within(form).getByRole('button', { name: 'Enter the room' }));
    await waitFor(() => expect(bridge.callsTo('sendPassword')).toEqual([{ password: 'open sesame', remember: true }]));
    emit([{ type: 'password', state: 'accepted', address: ROOM, message: null }]);
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Room password' })).toBeNull());
  });

  it('a refused password says why and offers to try again', async () => {
    const { bridge, emit } = await open(joined);
    emit([
      { type: 'password', state: 'refused', address: ROOM, message: `Wrong password for ${ROOM}.` },
      { type: 'status', revision: 99, status: { mode: 'idle' } },
    ]);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(`Wrong password for ${ROOM}.`);
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(bridge.callsTo('join')).toEqual([{ address: ROOM }]));
  });
});

describe('the host\'s roster actions', () => {
  it('Remove removes at once; Ban asks first, and Cancel bans no one', async () => {
    const { bridge, emit } = await open(hosting);
    emit([{
      type: 'roster',
      clients: [
        { id: 1, peer: SELF, connectedAt: Date.now(), linesSent: 0 },
        { id: 2, peer: ALICE, connectedAt: Date.now(), linesSent: 3 },
      ],
    }]);
    const roster = await screen.findByRole('complementary', { name: 'Room details' });
    await within(roster).findByText(ALICE);
    // Not for the host itself.
    expect(within(roster).getAllByRole('button', { name: /^Remove / })).toHaveLength(1);
    fireEvent.click(within(roster).getByRole('button', { name: `Remove ${ALICE}` }));
    await waitFor(() => expect(bridge.callsTo('removePerson')).toEqual([{ peer: ALICE, ban: false }]));

    fireEvent.click(within(roster).getByRole('button', { name: `Ban ${ALICE}…` }));
    const confirm = within(roster).getByRole('group', { name: `Ban ${ALICE}?` });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(bridge.callsTo('removePerson')).toHaveLength(1);
    fireEvent.click(within(roster).getByRole('button', { name: `Ban ${ALICE}…` }));
    fireEvent.click(within(within(roster).getByRole('group', { name: `Ban ${ALICE}?` })).getByRole('button', { name: 'Ban' }));
    await waitFor(() => expect(bridge.callsTo('removePerson')).toEqual([{ peer: ALICE, ban: false }, { peer: ALICE, ban: true }]));
  });

  it('a joiner has no such actions', async () => {
    await open(joined);
    expect(screen.queryByRole('button', { name: /^Remove / })).toBeNull();
  });
});
