/**
 * A session driven the way main's IPC adapter drives it: every argument goes through the
 * channel's schema first (main/electron/ipc.ts), so a test can hand it hostile values.
 */
import { ok } from '../../main/common/ipc-contract';
import { createChannelHandlers, type BridgeSession, type ChannelHandler, type ChannelName } from '../../main/electron/ipc';

export function ipcCalls(session: BridgeSession): Record<ChannelName, ChannelHandler> {
  return createChannelHandlers({
    session,
    chooseTranscriptFile: () => Promise.resolve(ok(null)),
    clipboard: { writeText: () => Promise.resolve() },
    shell: { openExternal: () => Promise.resolve() },
  });
}
