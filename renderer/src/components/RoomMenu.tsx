import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

/** The platform's Settings shortcut as people expect to read it. */
export function settingsShortcut(): string {
  return /Macintosh|Mac OS X/.test(navigator.userAgent) ? '⌘,' : 'Ctrl+,';
}

export interface RoomMenuItem {
  label: string;
  shortcut?: string;
  /** Why the item cannot be used now (shown in the menu), or null when it can. */
  disabledReason: string | null;
  run: () => void;
}

/**
 * The status bar's "⋯" menu: a button that opens a list of commands. Arrow keys move, Enter
 * runs, Escape or a click elsewhere closes and gives focus back to the button. A disabled
 * item stays in the list, focusable, with its reason beside it, so nobody wonders where it went.
 */
export function RoomMenu({ items }: { items: RoomMenuItem[] }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    menuRef.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
    const onPointer = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const onMenuKey = (event: KeyboardEvent<HTMLDivElement>) => {
    const entries = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const focusAt = (index: number) => entries[(index + entries.length) % entries.length]?.focus();
    if (event.key === 'Escape' || event.key === 'Tab') {
      if (event.key === 'Escape') event.preventDefault();
      close();
    } else if (event.key === 'ArrowDown') {
      event.preventDefault();
      focusAt(at + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      focusAt(at - 1);
    } else if (event.key === 'Home') {
      event.preventDefault();
      focusAt(0);
    } else if (event.key === 'End') {
      event.preventDefault();
      focusAt(entries.length - 1);
    }
  };

  return (
    <div className="room-menu">
      <button
        ref={buttonRef}
        type="button"
        className="icon-button status-icon"
        aria-label="More"
        title="More: save transcript, settings"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((was) => !was)}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open && (
        <div ref={menuRef} id={menuId} role="menu" aria-label="More" className="room-menu-list" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <button
              key={item.label}
              type="button"
              role="menuitem"
              className="room-menu-item"
              aria-disabled={item.disabledReason !== null}
              onClick={() => {
                if (item.disabledReason !== null) return;
                close();
                item.run();
              }}
            >
              <span className="room-menu-label">{item.label}</span>
              {item.shortcut !== undefined && <kbd className="room-menu-shortcut">{item.shortcut}</kbd>}
              {item.disabledReason !== null && <span className="room-menu-reason">{item.disabledReason}</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
