import { useLayoutEffect, useRef } from 'react';
import { joinHostPort } from '../../../main/common/address';
import { closeContext, extendContext } from '../state/actions';
import { transcriptLineOf, useChatStore } from '../state/store';
import { TranscriptRow } from './TranscriptRow';

/** A search hit with the lines around it, in place of the live transcript until closed. */
export function ContextView() {
  const context = useChatStore((s) => s.context);
  const scrollerRef = useRef<HTMLDivElement>(null);
  const targetId = context?.targetId;

  useLayoutEffect(() => {
    if (targetId === undefined) return;
    scrollerRef.current?.querySelector('.row-target')?.scrollIntoView({ block: 'center' });
  }, [targetId, context?.loading]);

  if (context === null) return null;
  const where = joinHostPort(context.room.host, context.room.port);
  return (
    <section className="context-view" aria-label={`Search result in ${where}`}>
      <div className="context-bar">
        <span>
          In the history of <strong>{where}</strong>
        </span>
        <span className="status-spacer" />
        <button type="button" onClick={closeContext}>
          Back to the conversation
        </button>
      </div>
      {context.error !== null && (
        <p className="context-error" role="alert">
          {context.error}
        </p>
      )}
      <div ref={scrollerRef} className="transcript-scroller context-scroller" role="log" aria-label="Messages around the search result" tabIndex={0}>
        {context.hasOlder && (
          <div className="transcript-earlier">
            <button type="button" className="link-button" disabled={context.loading} onClick={() => void extendContext('older')}>
              Show earlier messages
            </button>
          </div>
        )}
        <ol className="rows">
          {context.lines.map((line) => (
            <TranscriptRow key={line.id} line={transcriptLineOf(line)} target={line.id === context.targetId} />
          ))}
        </ol>
        {context.hasNewer && (
          <div className="transcript-earlier">
            <button type="button" className="link-button" disabled={context.loading} onClick={() => void extendContext('newer')}>
              Show later messages
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
