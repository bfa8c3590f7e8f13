/**
 * `@vm/scsi`: SCSI command-level targets (a disk over a `BlockBackend` from `@vm/bus`)
 * and the host bus adapters that carry their commands: the LSI Logic 53C1030
 * (Fusion-MPT) and the BusLogic BT-958 (MultiMaster). Adapters are PCI
 * functions; targets plug into adapters by SCSI id.
 *
 * @packageDocumentation
 */

export { ScsiDisk } from './target/scsi-disk.js';
export type { ScsiDiskConfig } from './target/scsi-disk.js';
export { ScsiTask, TaskIo } from './target/scsi-task.js';
export type { ScsiIoSink, ScsiTarget, ScsiTaskOwner, TargetAttachment } from './target/scsi-task.js';
export { Asc, FIXED_SENSE_LENGTH, ScsiStatus, SenseKey, writeFixedSense } from './target/sense.js';
export { naaFromSerial } from './target/disk-pages.js';
export type { DiskIdentity } from './target/disk-pages.js';
export { SgList } from './sg-list.js';
export { Lsi53c1030 } from './mpt/lsi53c1030.js';
export type { Lsi53c1030Config } from './mpt/lsi53c1030.js';
export type { MptPageFacts } from './mpt/mpt-config-pages.js';
export { MptIoc, MPT_CREDITS, MPT_MAX_TARGETS, MPT_REQUEST_FRAME_DWORDS } from './mpt/mpt-ioc.js';
export { IocState, IocStatus, MpiFn, MptReg } from './mpt/mpi.js';
export { Bt958 } from './buslogic/bt958.js';
export type { Bt958Config } from './buslogic/bt958.js';
export { BusLogicCore, BUSLOGIC_MAX_TARGETS, BUSLOGIC_SG_LIMIT } from './buslogic/buslogic-core.js';
