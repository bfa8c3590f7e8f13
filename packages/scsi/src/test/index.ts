/**
 * `@vm/scsi/test`: helpers for tests of SCSI adapters and targets: a fake PCI
 * slot, a seeded PRNG, a register-level Fusion-MPT driver (the Linux mptbase
 * init sequence) and a BusLogic MultiMaster driver.
 *
 * @packageDocumentation
 */
export { FakePciSlot, settle } from './fake-pci-slot.js';
export { SeededRandom } from './seeded-random.js';
export { MptTestDriver } from './mpt-test-driver.js';
export type { MptIoResult } from './mpt-test-driver.js';
export { BusLogicTestDriver } from './buslogic-test-driver.js';
export type { CcbResult } from './buslogic-test-driver.js';
