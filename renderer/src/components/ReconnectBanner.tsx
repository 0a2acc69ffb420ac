import { useEffect, useState } from 'react';
import { leaveChat, reconnectNow } from '../state/actions';
import { useChatStore } from '../state/store';
import { linesWaitText, waitingLines } from '../lib/outbox';

/** `the host closed it` -> `The host closed it.` so reasons read as sentences. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return '';
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/**
 * Shown while the connection is down and main is trying again: why, when the next try is, how
 * many typed lines wait for it, and Try now; a joiner can also Leave (a host stops hosting
 * from the header, which asks first when people are in the room).
 */
export function ReconnectBanner() {
  const reconnecting = useChatStore((s) => s.reconnecting);
  const joined = useChatStore((s) => s.status.mode === 'joined');
  const waiting = useChatStore((s) => waitingLines(s.status));
  const [trying, setTrying] = useState(false);
  if (!reconnecting) return null;
  const tryNow = (): void => {
    setTrying(true);
    void reconnectNow().finally(() => setTrying(false));
  };
  return (
    <div className="reconnect-banner" role="status">
      <span className="spinner" aria-hidden="true" />
      <p>
        <strong>Connection lost.</strong> {sentence(reconnecting.reason)}{' '}
        {trying ? (
          'Trying again now'
        ) : (
          // Keyed by the attempt's deadline: each new attempt counts down from a fresh clock.
          <Countdown key={reconnecting.nextTryAt} until={reconnecting.nextTryAt} />
        )}{' '}
        (attempt {reconnecting.attempt}).
        {waiting > 0 && ` ${linesWaitText(waiting)} to be sent.`}
      </p>
      <div className="reconnect-actions">
        <button type="button" disabled={trying} onClick={tryNow}>
          Try now
        </button>
        {joined && (
          <button type="button" onClick={() => void leaveChat()}>
            Leave
          </button>
        )}
      </div>
    </div>
  );
}

function Countdown({ until }: { until: number }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, []);
  const seconds = Math.ceil(Math.max(0, until - now) / 1000);
  return <>{seconds > 0 ? `Trying again in ${seconds} s` : 'Trying again now'}</>;
}
