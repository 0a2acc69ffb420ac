import { useChatStore } from '../state/store';
import { ChatScreen } from './ChatScreen';
import { StartScreen } from './StartScreen';

export function App() {
  const fatalError = useChatStore((s) => s.fatalError);
  const ready = useChatStore((s) => s.ready);
  // Stay on the start screen while a host/join is still answering, so its progress and
  // Cancel stay in view even if main already reports the room as connecting.
  const inRoom = useChatStore((s) => s.status.mode !== 'idle' && s.pending === null);

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
