/**
 * `@vm/vmnet`: virtual Ethernet for vm. Learning switches (VMnets) with
 * per-port security policy and statistics, a registry of named VMnets,
 * cross-thread ports over shared-memory frame rings, and pcap capture.
 * Browser-safe; the UDP uplink and pcap files live in `@vm/vmnet/node`.
 *
 * @packageDocumentation
 */
export { parseMac, formatMac, macHigh, macLow, isGroupMac, type MacInput } from './mac.js';
export { MacTable } from './mac-table.js';
export { PortStats, type DropReason, type PortStatsSnapshot } from './port-stats.js';
export { DEFAULT_PORT_POLICY, UPLINK_PORT_POLICY, type PortPolicy } from './port-policy.js';
export type { FrameTap } from './frame-tap.js';
export { Vmnet, type VmnetOptions, type VmnetStats, type MacTableEntry } from './vmnet.js';
export { VmnetPort, type VmnetPortOptions } from './vmnet-port.js';
export { VmnetRegistry } from './vmnet-registry.js';
export {
  PcapWriter,
  PcapBufferSink,
  LINKTYPE_ETHERNET,
  PCAP_MAGIC_MICROSECONDS,
  PCAP_HEADER_BYTES,
  PCAP_RECORD_HEADER_BYTES,
  type PcapSink,
  type PcapWriterOptions,
} from './pcap-writer.js';
export { FrameRing, type FrameRingOptions } from './frame-ring.js';
export {
  RemotePortHost,
  RemotePortClient,
  createRemotePortChannel,
  type RemotePortChannel,
} from './remote-port.js';
