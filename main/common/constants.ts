/** Values every layer agrees on; pure, safe for the renderer. */

/** The TCP port a Tincan room listens on unless told otherwise. */
/** Lines a newcomer to a room the app hosts is shown of what was said before (the server's catch-up). */
export const HOST_REPLAY_LINES = 50;
export const DEFAULT_PORT = 60003;
