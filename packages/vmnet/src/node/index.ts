/**
 * `@vm/vmnet/node`: Node-only uplinks and sinks: the UDP tunnel compatible
 * with QEMU's dgram/socket netdevs, pcap capture files, and host TAP devices
 * through a socat helper (Node cannot issue the TUNSETIFF ioctl itself).
 *
 * @packageDocumentation
 */
export { UdpUplink, type UdpUplinkOptions, type UdpUplinkStats } from './udp-uplink.js';
export { PcapFileSink, capturePcapFile, type PcapFileCapture } from './pcap-file-sink.js';
export { socatTapCommand, type SocatTapOptions } from './tap-helper.js';
