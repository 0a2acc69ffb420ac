import { useEffect, useState } from 'react';
import { copyText } from '../state/actions';

/**
 * Copies `text`, then reads "Copied" for a moment. Its accessible name starts with what it
 * shows and says what is copied (WCAG label in name): "Copy 10.0.0.5:60003".
 */
export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; what?: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  const hidden = what ?? (label === 'Copy' ? text : null);
  return (
    <button type="button" className="small-button" onClick={() => void copyText(text).then((ok) => setCopied(ok))}>
      {copied ? 'Copied' : label}
      {hidden !== null && <span className="visually-hidden"> {hidden}</span>}
    </button>
  );
}
