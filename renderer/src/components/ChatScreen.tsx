import { useEffect } from 'react';
import { openSearch, openSettings, reportView } from '../state/actions';
import { useChatStore } from '../state/store';
import { Composer } from './Composer';
import { ContextView } from './ContextView';
import { HistoryNotice } from './HistoryNotice';
import { HostPanel } from './HostPanel';
import { LiveAnnouncer } from './LiveAnnouncer';
import { Notices } from './Notices';
import { PeoplePanel } from './PeoplePanel';
import { ReconnectBanner } from './ReconnectBanner';
import { SearchPanel } from './SearchPanel';
import { SettingsPanel } from './SettingsPanel';
import { StatusBar } from './StatusBar';
import { Transcript } from './Transcript';
import { YouAppearAs } from './YouAppearAs';
import { RoomPassword } from './RoomPassword';

/** Ctrl/Cmd+F opens the search, Ctrl/Cmd+, the settings; the window's focus goes to main (it decides on notifications). */
function useChatKeysAndFocus(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      if (event.key.toLowerCase() === 'f') {
        event.preventDefault();
        openSearch();
      } else if (event.key === ',') {
        event.preventDefault();
        openSettings();
      }
    };
    const onFocus = (): void => reportView({ focused: true });
    const onBlur = (): void => reportView({ focused: false });
    window.addEventListener('keydown', onKey);
    window.addEventListener('focus', onFocus);
    window.addEventListener('blur', onBlur);
    // After a reload main may still think the window is away: tell it how things are.
    reportView({ focused: document.hasFocus() }, true);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('focus', onFocus);
      window.removeEventListener('blur', onBlur);
    };
  }, []);
}

export function ChatScreen() {
  const hosting = useChatStore((s) => s.status.mode === 'hosting');
  const inContext = useChatStore((s) => s.context !== null);
  useChatKeysAndFocus();
  return (
    <div className={hosting ? 'chat chat-hosting' : 'chat'}>
      {/* Screen readers navigate by headings; the layout has no visible title to use. */}
      <h1 className="visually-hidden">{hosting ? 'Tincan: hosting a room' : 'Tincan: in a room'}</h1>
      <StatusBar />
      <ReconnectBanner />
      <HistoryNotice />
      <Notices />
      <RoomPassword />
      <SearchPanel />
      <main className="chat-main">
        <section className="conversation" aria-label="Conversation">
          {inContext ? <ContextView /> : <Transcript />}
          <Composer />
          <YouAppearAs />
        </section>
        {hosting ? <HostPanel /> : <PeoplePanel />}
      </main>
      <SettingsPanel />
      <LiveAnnouncer />
    </div>
  );
}
