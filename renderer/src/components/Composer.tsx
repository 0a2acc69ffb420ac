import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import type { SessionStatus } from '../../../main/common/ipc-contract';
import { clearSendError, sendText } from '../state/actions';
import { useChatStore } from '../state/store';

/** Why the input is off right now, or null when the user can type. */
export function composerBlockedReason(status: SessionStatus): string | null {
  if (status.mode === 'idle') return 'Not connected.';
  switch (status.connection) {
    case 'connected':
      return null;
    case 'connecting':
      return 'Connecting… you can type as soon as the connection is up.';
    case 'reconnecting':
      return 'Connection lost. You can type again once Tincan reconnects.';
  }
}

export function Composer() {
  const blockedReason = useChatStore((s) => composerBlockedReason(s.status));
  const sendError = useChatStore((s) => s.sendError);
  const [draft, setDraft] = useState('');
  // Position in sentHistory while the user walks it with Up/Down; null when editing a draft.
  const [historyIndex, setHistoryIndex] = useState<number | null>(null);
  const savedDraftRef = useRef('');
  const inputRef = useRef<HTMLInputElement>(null);
  const helpId = useId();
  const disabled = blockedReason !== null;

  // Land in the input on arrival, and again whenever it comes back after a reconnect.
  useEffect(() => {
    if (disabled) return;
    const active = document.activeElement;
    if (active === null || active === document.body || active === inputRef.current) inputRef.current?.focus();
  }, [disabled]);

  const submit = (text: string) => {
    if (text.trim().length === 0) return;
    setDraft('');
    setHistoryIndex(null);
    void sendText(text).then((sent) => {
      // Give the text back if it did not go out and the user has not started something new.
      // Not a multi-line paste: a one-line input would silently join its lines.
      if (!sent && !/[\r\n]/.test(text)) setDraft((current) => (current === '' ? text : current));
    });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.nativeEvent.isComposing) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      submit(draft);
      return;
    }
    const history = useChatStore.getState().sentHistory;
    if (event.key === 'ArrowUp' && history.length > 0) {
      event.preventDefault();
      if (historyIndex === null) {
        savedDraftRef.current = draft;
        setHistoryIndex(history.length - 1);
        setDraft(history[history.length - 1]!);
      } else if (historyIndex > 0) {
        setHistoryIndex(historyIndex - 1);
        setDraft(history[historyIndex - 1]!);
      }
      return;
    }
    if (event.key === 'ArrowDown' && historyIndex !== null) {
      event.preventDefault();
      if (historyIndex < history.length - 1) {
        setHistoryIndex(historyIndex + 1);
        setDraft(history[historyIndex + 1]!);
      } else {
        setHistoryIndex(null);
        setDraft(savedDraftRef.current);
      }
      return;
    }
    if (event.key === 'Escape' && historyIndex !== null) {
      event.preventDefault();
      setHistoryIndex(null);
      setDraft(savedDraftRef.current);
    }
  };

  const onPaste = (event: ClipboardEvent<HTMLInputElement>) => {
    const pasted = event.clipboardData.getData('text/plain');
    if (!/[\r\n]/.test(pasted)) return;
    // A single-line input would flatten the paste; send it as one message per line instead.
    event.preventDefault();
    const input = event.currentTarget;
    const start = input.selectionStart ?? draft.length;
    const end = input.selectionEnd ?? draft.length;
    submit(draft.slice(0, start) + pasted + draft.slice(end));
  };

  return (
    <div className="composer">
      <form
        className="composer-form"
        onSubmit={(event) => {
          event.preventDefault();
          submit(draft);
        }}
      >
        <label className="visually-hidden" htmlFor={`${helpId}-input`}>
          Message
        </label>
        <input
          ref={inputRef}
          id={`${helpId}-input`}
          type="text"
          className="composer-input"
          autoComplete="off"
          spellCheck
          disabled={disabled}
          placeholder={disabled ? blockedReason : 'Message everyone — Enter to send, ↑ for earlier lines'}
          value={draft}
          aria-describedby={helpId}
          onChange={(event) => {
            setDraft(event.target.value);
            setHistoryIndex(null);
            clearSendError();
          }}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        {/* Not disabled by an empty draft: a faded Send looks broken, and sending nothing does nothing. */}
        <button type="submit" className="primary" disabled={disabled}>
          Send
        </button>
      </form>
      <p id={helpId} className={sendError ? 'composer-note field-error' : 'composer-note visually-hidden'} role={sendError ? 'alert' : undefined}>
        {sendError ?? blockedReason ?? 'Pasting several lines sends one message per line.'}
      </p>
    </div>
  );
}
