import { Roster } from './Roster';

/** A joiner's side panel: who is in the room (the host's panel holds the invite too). */
export function PeoplePanel() {
  return (
    <aside className="host-panel people-panel" aria-label="People">
      <Roster />
    </aside>
  );
}
