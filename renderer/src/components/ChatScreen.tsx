import { useChatStore } from '../state/store';
import { Composer } from './Composer';
import { HostPanel } from './HostPanel';
import { LiveAnnouncer } from './LiveAnnouncer';
import { Notices } from './Notices';
import { ReconnectBanner } from './ReconnectBanner';
import { StatusBar } from './StatusBar';
import { Transcript } from './Transcript';

export function ChatScreen() {
  const hosting = useChatStore((s) => s.status.mode === 'hosting');
  return (
    <div className={hosting ? 'chat chat-hosting' : 'chat'}>
      {/* Screen readers navigate by headings; the layout has no visible title to use. */}
      <h1 className="visually-hidden">{hosting ? 'Tincan: hosting a room' : 'Tincan: in a room'}</h1>
      <StatusBar />
      <ReconnectBanner />
      <Notices />
      <main className="chat-main">
        <section className="conversation" aria-label="Conversation">
          <Transcript />
          <Composer />
        </section>
        {hosting && <HostPanel />}
      </main>
      <LiveAnnouncer />
    </div>
  );
}
