/**
 * `@vm/vmnet/test`: helpers for tests that move frames: a scripted NIC
 * endpoint that sends and records frames, an Ethernet frame builder and an
 * independent pcap reader.
 *
 * @packageDocumentation
 */
export { ScriptedNic } from './scripted-nic.js';
export { ethernetFrame, frameDst, frameSrc, framePayloadText, BROADCAST_MAC, type FrameSpec } from './frames.js';
export { readPcap, type PcapHeader, type PcapRecord, type PcapFile } from './pcap-reader.js';
export { TapRecorder, type TappedFrame } from './tap-recorder.js';
