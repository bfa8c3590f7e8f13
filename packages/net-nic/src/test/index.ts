/**
 * `@vm/net-nic/test`: helpers for NIC tests: a PCI slot harness with fake
 * RAM, IRQ and clock; frame builders; register-level test drivers that do
 * what Linux's pcnet32 and e1000 do; a seeded PRNG for fuzzing.
 *
 * @packageDocumentation
 */
export { NicTestHarness } from './harness.js';
export { BROADCAST, ethernetFrame, ipv4ChecksumsValid, ipv4Frame, XorShift32 } from './frames.js';
export type { Ipv4FrameOptions } from './frames.js';
export { PCNET_RX_BUFFER, PcnetTestDriver } from './pcnet-driver.js';
export type { PcnetDriverLayout, PcnetReceived } from './pcnet-driver.js';
export { E1000_IMS_ENABLE, E1000_RX_BUFFER, E1000TestDriver } from './e1000-driver.js';
export type { E1000DriverLayout, E1000Received, E1000TxOffload } from './e1000-driver.js';
