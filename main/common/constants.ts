/** Values every layer agrees on; pure, safe for the renderer. */

/** The TCP port a Tincan room listens on unless told otherwise. */
export const DEFAULT_PORT = 60003;
