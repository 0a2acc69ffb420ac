import { useId, useState, type SyntheticEvent } from 'react';
import { LIMITS } from '../../../main/common/ipc-contract';
import { MAX_TOPIC_CHARS } from '../../../main/common/person-name';
import { setTopic } from '../state/actions';
import { useChatStore } from '../state/store';

/**
 * The room's topic in the header, as the server's topic lines told it, for everyone; the host
 * can change it here (main cleans it and the server tells the room).
 */
export function RoomTopic() {
  const topic = useChatStore((s) => s.topic);
  const hosting = useChatStore((s) => s.status.mode === 'hosting');
  const [editing, setEditing] = useState(false);
  if (topic === null && !hosting) return null;
  return (
    <span className="status-topic">
      {editing && <TopicEditor initial={topic ?? ''} onDone={() => setEditing(false)} />}
      {topic !== null && (
        <span className="status-topic-text" dir="auto" title={`Topic: ${topic}`}>
          <span className="visually-hidden">Topic: </span>
          {topic}
        </span>
      )}
      {hosting && (
        <button type="button" className="link-button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {topic === null ? 'Set a topic' : 'Edit topic'}
        </button>
      )}
    </span>
  );
}

function TopicEditor({ initial, onDone }: { initial: string; onDone: () => void }) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const inputId = useId();
  const submit = (event: SyntheticEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaving(true);
    void setTopic(text.trim()).then((done) => {
      setSaving(false);
      if (done) onDone();
    });
  };
  return (
    <form className="status-topic-edit" onSubmit={submit} onKeyDown={(event) => event.key === 'Escape' && onDone()}>
      <label htmlFor={inputId} className="visually-hidden">
        Topic
      </label>
      <input
        id={inputId}
        type="text"
        autoFocus
        autoComplete="off"
        maxLength={Math.min(LIMITS.maxTypedNameChars, MAX_TOPIC_CHARS * 2)}
        placeholder="What the room is about (empty: no topic)"
        value={text}
        disabled={saving}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit" disabled={saving}>
        Save topic
      </button>
      <button type="button" onClick={onDone}>
        Cancel
      </button>
    </form>
  );
}
