import { useEffect, useId, useRef, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { OUTBOX_LIMITS, type SessionStatus } from '../../../main/common/ipc-contract';
import { linesWaitText, waitingLines } from '../lib/outbox';
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
      // Lines wait in main's outbox and go out once the connection is back.
      return null;
  }
}

/** While the connection is down, or lines still wait: what happens to what the user sends. */
export function composerWaitingNote(status: SessionStatus): string | null {
  if (status.mode === 'idle') return null;
  const waiting = waitingLines(status);
  if (waiting > 0) return `${linesWaitText(waiting)} to be sent once Tincan reconnects (at most ${OUTBOX_LIMITS.maxLines}).`;
  if (status.connection === 'reconnecting') return 'Connection lost: what you send now waits, and goes out once Tincan reconnects.';
  return null;
}

export function Composer() {
  const blockedReason = useChatStore((s) => composerBlockedReason(s.status));
  const sendError = useChatStore((s) => s.sendError);
  const waitingNote = useChatStore((s) => composerWaitingNote(s.status));
  const [draft, setDraft] = useState('');
  // A paste of several lines, waiting for the user to send or cancel it.
  const [pendingPaste, setPendingPaste] = useState<string | null>(null);
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
    // A single-line input would flatten the paste, and a stack trace sent by accident floods
    // the room: show the lines, and send them (one message each) only when the user says so.
    event.preventDefault();
    const input = event.currentTarget;
    const start = input.selectionStart ?? draft.length;
    const end = input.selectionEnd ?? draft.length;
    setPendingPaste(draft.slice(0, start) + pasted + draft.slice(end));
    setDraft('');
  };

  if (pendingPaste !== null) {
    return (
      <PasteConfirm
        text={pendingPaste}
        disabled={disabled}
        onChange={setPendingPaste}
        onSend={() => {
          submit(pendingPaste);
          setPendingPaste(null);
          window.setTimeout(() => inputRef.current?.focus(), 0);
        }}
        onCancel={() => {
          setPendingPaste(null);
          window.setTimeout(() => inputRef.current?.focus(), 0);
        }}
      />
    );
  }

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
          placeholder={
            disabled ? blockedReason : waitingNote !== null ? 'Connection lost — messages wait and go out once reconnected' : 'Message everyone — Enter to send, ↑ for earlier lines'
          }
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
      <p
        id={helpId}
        className={sendError ? 'composer-note field-error' : waitingNote !== null ? 'composer-note composer-waiting' : 'composer-note visually-hidden'}
        role={sendError ? 'alert' : undefined}
      >
        {sendError ?? blockedReason ?? waitingNote ?? 'Pasting several lines shows them first; each becomes its own message.'}
      </p>
    </div>
  );
}

/** Lines that would be sent: blank ones never are. */
function countLines(text: string): number {
  return text.split(/\r\n|\r|\n/).filter((line) => line.trim().length > 0).length;
}

/** The expanded composer for a multi-line paste: the lines, editable, and "Send N lines?". */
function PasteConfirm({
  text,
  disabled,
  onChange,
  onSend,
  onCancel,
}: {
  text: string;
  disabled: boolean;
  onChange: (text: string) => void;
  onSend: () => void;
  onCancel: () => void;
}) {
  const questionId = useId();
  const lines = countLines(text);
  return (
    <div className="composer composer-paste">
      <p id={questionId} className="composer-paste-question">
        {lines === 1 ? 'Send 1 line?' : `Send ${lines.toLocaleString()} lines?`}{' '}
        <span className="muted small">Each line becomes its own message.</span>
      </p>
      <textarea
        className="composer-paste-text"
        aria-labelledby={questionId}
        autoFocus
        spellCheck={false}
        rows={Math.min(8, Math.max(3, lines))}
        value={text}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.preventDefault();
            onCancel();
          } else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && lines > 0 && !disabled) {
            event.preventDefault();
            onSend();
          }
        }}
      />
      <div className="composer-paste-actions">
        <button type="button" className="primary" disabled={disabled || lines === 0} onClick={onSend}>
          {lines === 1 ? 'Send 1 line' : `Send ${lines.toLocaleString()} lines`}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
