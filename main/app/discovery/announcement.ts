/**
 * A hosted room's announcement on the network, as the app's session and the headless server
 * both run it: a RoomAnnouncer (its multicast DNS links, beacon and interface watch) whose
 * people count follows the chat server's joins and leaves. It is the one owner of all of it:
 * close() says goodbye, closes the announcer and removes the listeners it added to the server
 * and the announcer.
 */
import type { ChatServer } from '../../chat/server';
import { DisposableStore, toDisposable } from '../../common/disposable';
import { RoomAnnouncer, type RoomAnnouncerOptions } from './announcer';

export interface RoomAnnouncementHandlers {
  /** Non-fatal trouble (a link or the beacon port could not be used); the rest keeps going. */
  onError: (error: Error) => void;
  /** Another room had the name; this one is now announced as `renamed`. */
  onRenamed?: (renamed: string) => void;
  /** The interfaces the room is announced on changed. */
  onInterfaces?: (names: string[]) => void;
}

export class RoomAnnouncement {
  readonly announcer: RoomAnnouncer;
  /** Settles once the first announcements are out; never rejects (a failure goes to onError). */
  readonly started: Promise<void>;
  private readonly store = new DisposableStore();
  private closing: Promise<void> | null = null;

  /** Starts announcing `server`'s room; `options.people` is the server's count. */
  constructor(server: ChatServer, options: Omit<RoomAnnouncerOptions, 'people'>, handlers: RoomAnnouncementHandlers) {
    const announcer = new RoomAnnouncer({ ...options, people: server.stats.clientsNow });
    this.announcer = announcer;
    const store = this.store;
    const onError = (error: Error) => {
      if (!store.isDisposed) handlers.onError(error);
    };
    // Stays after close(): an 'error' nobody hears would throw, and a link that fails while
    // the announcer closes may still report one. After close() it goes nowhere.
    announcer.on('error', onError);
    const { onRenamed, onInterfaces } = handlers;
    if (onRenamed) {
      announcer.on('renamed', onRenamed);
      store.add(toDisposable(() => announcer.off('renamed', onRenamed)));
    }
    if (onInterfaces) {
      announcer.on('interfaces', onInterfaces);
      store.add(toDisposable(() => announcer.off('interfaces', onInterfaces)));
    }
    const follow = () => announcer.setPeople(server.stats.clientsNow);
    server.on('join', follow);
    server.on('leave', follow);
    store.add(
      toDisposable(() => {
        server.off('join', follow);
        server.off('leave', follow);
      }),
    );
    this.started = announcer.start().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  }

  /** The name the room is announced under (a conflict may have changed it). */
  get name(): string {
    return this.announcer.name;
  }

  /** Says goodbye, closes every socket and removes every listener. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.announcer.close().finally(() => this.store.dispose());
    return this.closing;
  }
}
