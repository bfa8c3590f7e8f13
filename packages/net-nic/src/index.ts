/**
 * `@vm/net-nic`: NIC models for vm. The AMD Am79C970A PCnet-PCI II
 * (VMware's "vlance", Linux pcnet32) and the Intel 82540EM (e1000), each a
 * `@vm/bus` `PciFunction` and `Device` sending and receiving through a
 * `NetBackend`; plus MAC address helpers.
 *
 * @packageDocumentation
 */
export { Am79c970a } from './pcnet/am79c970a.js';
export type { Am79c970aConfig } from './pcnet/am79c970a.js';
export { PcnetCore, PCNET_POLL_NS } from './pcnet/pcnet-core.js';
export { deriveMac, formatMac, MAX_NICS_PER_VM, parseMac, parseStaticMac } from './shared/mac.js';
export type { MacParseResult, StaticMacOptions } from './shared/mac.js';
export { crc32Register, ethernetFcs } from './shared/crc32.js';
export { I82540em } from './e1000/i82540em.js';
export type { I82540emConfig } from './e1000/i82540em.js';
export { E1000Core } from './e1000/e1000-core.js';
export { buildEepromImage, EEPROM_CHECKSUM, EEPROM_WORDS, MicrowireEeprom } from './e1000/e1000-eeprom.js';
export { E1000Phy } from './e1000/e1000-phy.js';
export { E1000TxAssembler } from './e1000/e1000-tx.js';
export type { E1000FrameSink } from './e1000/e1000-tx.js';
export { createVirtualNic, isVirtualNicKind, resolveNicMac } from './nic-factory.js';
export type { VirtualNic, VirtualNicKind, VirtualNicOptions } from './nic-factory.js';
export { FilterReporter, filterListenerOf } from './shared/filter-report.js';
export type { NetFilterListener } from './shared/filter-report.js';
