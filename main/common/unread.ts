/**
 * How the unread count is shown: on the dock/taskbar badge and in front of the window title.
 * Pure: main's notification policy and the renderer's title both use it.
 */

/** '' when nothing is unread, '1' … '99', then '99+'. */
export function badgeText(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}

/** The title with the unread count in front: `(3) Tincan — 10.0.0.5:60003`. */
export function titleWithUnread(title: string, unread: number): string {
  return unread > 0 ? `(${badgeText(unread)}) ${title}` : title;
}
