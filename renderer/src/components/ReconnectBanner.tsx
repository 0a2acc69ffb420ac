import { useEffect, useState } from 'react';
import { useChatStore } from '../state/store';

/** `the host closed it` -> `The host closed it.` so reasons read as sentences. */
function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length === 0) return '';
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** Shown while a joiner's connection is down and main is trying again. */
export function ReconnectBanner() {
  const reconnecting = useChatStore((s) => s.reconnecting);
  if (!reconnecting) return null;
  return (
    <div className="reconnect-banner" role="status">
      <span className="spinner" aria-hidden="true" />
      <p>
        <strong>Connection lost.</strong> {sentence(reconnecting.reason)}{' '}
        {/* Keyed by the attempt's deadline: each new attempt counts down from a fresh clock. */}
        <Countdown key={reconnecting.nextTryAt} until={reconnecting.nextTryAt} /> (attempt {reconnecting.attempt}).
      </p>
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
