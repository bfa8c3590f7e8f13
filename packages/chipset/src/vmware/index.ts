export type { BackdoorRegisters } from './backdoor-registers.js';
export { VmwareBackdoor, VMWARE_BACKDOOR_PORT, VMWARE_BACKDOOR_MAGIC, BackdoorCommand } from './vmware-backdoor.js';
export type { VmwareBackdoorOptions } from './vmware-backdoor.js';
export {
  VmwareBalloon,
  VMWARE_BALLOON_PORT,
  VMWARE_BALLOON_MAGIC,
  BalloonCommand,
  BalloonStatus,
  BalloonCapability,
  BALLOON_BATCH_MAX,
} from './vmware-balloon.js';
export type { BalloonBackend, VmwareBalloonOptions } from './vmware-balloon.js';
