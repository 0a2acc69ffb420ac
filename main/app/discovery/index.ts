/** LAN discovery and join diagnostics: the public API of main/app/discovery. */
export { RoomAnnouncer, type RoomAnnouncerOptions, type RoomAnnouncerEvents } from './announcer';
export { RoomAnnouncement, type RoomAnnouncementHandlers } from './announcement';
export { RoomFinder, type RoomFinderOptions, type RoomFinderEvents } from './finder';
export { diagnoseJoinFailure, type JoinFailure } from './diagnostics';
export { firewallAdvice, windowsFirstLaunchAdvice, runBounded, type FirewallCheckOptions } from './firewall';
export { labelledNetworkHosts, labelledShareAddresses, networkWarning } from './network-advice';
export { checkRoomName, cleanReceivedName } from './room-name';
export {
  discoveryInterfaces,
  friendlyInterfaceName,
  listLocalAddresses,
  type InterfaceSelection,
  type LocalAddress,
  type NetworkInterfacesReader,
  type NetworkInterfaceTable,
} from './interfaces';
