import { useEffect } from 'react';
import type { SessionStatus } from '../../../main/common/ipc-contract';
import { roomAddress } from '../lib/room-address';
import { titleWithUnread } from '../../../main/common/unread';
import { useChatStore } from '../state/store';
import { ChatScreen } from './ChatScreen';
import { StartScreen } from './StartScreen';

/** The window title (Electron shows it in the title bar and task switcher). */
export function windowTitle(status: SessionStatus): string {
  switch (status.mode) {
    case 'idle':
      return 'Tincan';
    case 'hosting':
      return `Tincan — hosting on ${roomAddress(status)}`;
    case 'joined':
      return `Tincan — ${roomAddress(status)}`;
  }
}

export function App() {
  const fatalError = useChatStore((s) => s.fatalError);
  const ready = useChatStore((s) => s.ready);
  // Stay on the start screen while a host/join is still answering, so its progress and
  // Cancel stay in view even if main already reports the room as connecting.
  const inRoom = useChatStore((s) => s.status.mode !== 'idle' && s.pending === null);
  // The unread count in front, so it shows in the title bar and the task switcher.
  const title = useChatStore((s) => titleWithUnread(windowTitle(s.status), s.unread.count));

  useEffect(() => {
    document.title = title;
  }, [title]);

  if (fatalError !== null) {
    return (
      <main className="fatal" role="alert">
        <h1>Tincan cannot start</h1>
        <p>{fatalError}</p>
      </main>
    );
  }
  if (!ready) {
    return (
      <main className="loading" aria-busy="true">
        <span className="spinner" aria-hidden="true" />
        <span className="visually-hidden">Loading…</span>
      </main>
    );
  }
  return inRoom ? <ChatScreen /> : <StartScreen />;
}
