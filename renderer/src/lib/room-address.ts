import type { SessionStatus } from '../../../main/common/ipc-contract';
import { joinHostPort } from '../../../main/common/address';

/** Where the room is, as people would type it: the first share address (or the port) when hosting, the host when joined. */
export function roomAddress(status: SessionStatus): string {
  if (status.mode === 'hosting') return status.host.shareAddresses[0]?.address ?? `port ${status.host.port}`;
  if (status.mode === 'joined') return joinHostPort(status.target.host, status.target.port);
  return '';
}
