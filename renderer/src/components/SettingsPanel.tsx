import { useEffect, useRef, useState } from 'react';
import { LIMITS, type NotificationPrivacy, type Preferences, type Retention } from '../../../main/common/ipc-contract';
import { MENTION_LIMITS } from '../../../main/common/mentions';
import { clearHistory, closeSettings, updateSettings } from '../state/actions';
import { useChatStore } from '../state/store';

const RETENTION_CHOICES: { value: Retention; label: string }[] = [
  { value: 'forever', label: 'Forever' },
  { value: 'days30', label: '30 days' },
  { value: 'session', label: 'This session only (nothing is written to disk)' },
];

const PRIVACY_CHOICES: { value: NotificationPrivacy; label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: 'sender', label: 'Who wrote' },
  { value: 'full', label: 'Who wrote, and what' },
];

/** Keywords as typed: comma-separated. */
function parseKeywords(text: string): string[] {
  return text
    .split(',')
    .map((word) => word.trim())
    .filter((word) => word.length > 0)
    .slice(0, MENTION_LIMITS.maxKeywords);
}

/** History and notification settings, in a dialog over the chat (made afresh each time it opens). */
export function SettingsPanel() {
  const open = useChatStore((s) => s.settingsOpen);
  const preferences = useChatStore((s) => s.preferences);
  return open && preferences !== null ? <SettingsDialog preferences={preferences} /> : null;
}

function SettingsDialog({ preferences }: { preferences: Preferences }) {
  const inRoom = useChatStore((s) => s.status.mode !== 'idle');
  const history = useChatStore((s) => s.history);
  const notificationProblem = useChatStore((s) => s.notificationProblem);
  const [keywords, setKeywords] = useState(() => preferences.mentionKeywords.join(', '));
  const [displayName, setDisplayName] = useState(preferences.displayName);
  const [confirming, setConfirming] = useState<'room' | 'all' | null>(null);
  const dialogRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    dialogRef.current?.querySelector<HTMLElement>('.dialog-body input, .dialog-body button')?.focus();
  }, []);

  const saveName = (): void => {
    if (displayName !== preferences.displayName) void updateSettings({ displayName });
  };

  const saveKeywords = (): void => {
    void updateSettings({ mentionKeywords: parseKeywords(keywords) });
  };

  return (
    <div className="dialog-backdrop" onKeyDown={(event) => event.key === 'Escape' && closeSettings()}>
      <div ref={dialogRef} className="dialog settings" role="dialog" aria-modal="true" aria-labelledby="settings-title">
        <div className="dialog-header">
          <h2 id="settings-title">Settings</h2>
          <button type="button" className="icon-button dialog-close" aria-label="Close settings" title="Close" onClick={closeSettings}>
            ×
          </button>
        </div>
        {/* Only the body scrolls: the title, the close button and Done stay in view on a small screen. */}
        <div className="dialog-body">
          <fieldset>
            <legend>You</legend>
            <label className="field">
              Your name
              <input
                type="text"
                value={displayName}
                maxLength={LIMITS.maxTypedNameChars}
                placeholder="No name: others see your address"
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => setDisplayName(event.currentTarget.value)}
                onBlur={saveName}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') saveName();
                }}
              />
            </label>
            <p className="hint">Others see it beside your address in rooms that speak Tincan (yours, and rooms from the network’s list).</p>
          </fieldset>
          <fieldset>
            <legend>Keep history</legend>
            {RETENTION_CHOICES.map((choice) => (
              <label key={choice.value} className="choice">
                <input
                  type="radio"
                  name="retention"
                  checked={preferences.historyRetention === choice.value}
                  onChange={() => void updateSettings({ historyRetention: choice.value })}
                />
                {choice.label}
              </label>
            ))}
            {history !== null && !history.available && <p className="hint">History is unavailable: {history.reason}</p>}
            <div className="settings-actions">
              {confirming === null ? (
                <>
                  <button type="button" disabled={!inRoom} onClick={() => setConfirming('room')}>
                    Clear this room’s history…
                  </button>
                  <button type="button" onClick={() => setConfirming('all')}>
                    Clear all history…
                  </button>
                </>
              ) : (
                <>
                  <span>{confirming === 'room' ? 'Delete this room’s history for good?' : 'Delete all history for good?'}</span>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      const scope = confirming;
                      setConfirming(null);
                      void clearHistory(scope);
                    }}
                  >
                    Delete
                  </button>
                  <button type="button" onClick={() => setConfirming(null)}>
                    Cancel
                  </button>
                </>
              )}
            </div>
          </fieldset>
          <fieldset>
            <legend>Notifications while Tincan is in the background</legend>
            {notificationProblem !== null && <p className="hint">{notificationProblem}</p>}
            <label className="field">
              Show
              <select
                value={preferences.notificationPrivacy}
                onChange={(event) => void updateSettings({ notificationPrivacy: event.currentTarget.value as NotificationPrivacy })}
              >
                {PRIVACY_CHOICES.map((choice) => (
                  <option key={choice.value} value={choice.value}>
                    {choice.label}
                  </option>
                ))}
              </select>
            </label>
            <label className="choice">
              <input type="checkbox" checked={preferences.mentionsOnly} onChange={(event) => void updateSettings({ mentionsOnly: event.currentTarget.checked })} />
              Only when I am mentioned
            </label>
            <label className="choice">
              <input type="checkbox" checked={preferences.doNotDisturb} onChange={(event) => void updateSettings({ doNotDisturb: event.currentTarget.checked })} />
              Do not disturb (no notifications, no flashing)
            </label>
            <label className="field">
              Words that mention me (comma-separated)
              <input
                type="text"
                value={keywords}
                maxLength={MENTION_LIMITS.maxKeywords * (MENTION_LIMITS.maxKeywordChars + 2)}
                placeholder="your name, a nickname"
                onChange={(event) => setKeywords(event.currentTarget.value)}
                onBlur={saveKeywords}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') saveKeywords();
                }}
              />
            </label>
          </fieldset>
        </div>
        <div className="dialog-buttons">
          <button type="button" onClick={closeSettings}>
            Done
          </button>
        </div>
      </div>
    </div>
  );
}
