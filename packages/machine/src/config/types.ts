/**
 * The typed machine configuration: what a VMware `.vmx` file describes,
 * as plain data. Field names follow the `.vmx` keys users know.
 *
 * @module
 */

/**
 * A proportional-share weight: the named levels, or an explicit number of
 * shares (1..1,000,000).
 */
export type Shares = 'low' | 'normal' | 'high' | number;

/** Virtual disk modes (`scsiN:M.mode`). */
export type DiskMode = 'persistent' | 'nonpersistent' | 'undoable' | 'append' | 'independent-persistent' | 'independent-nonpersistent';

/** Kinds of SCSI target (`scsiN:M.deviceType`). */
export type ScsiDeviceType = 'scsi-hardDisk' | 'cdrom-image' | 'cdrom-raw';

/** SCSI host adapter models (`scsiN.virtualDev`). */
export type ScsiVirtualDev = 'lsilogic' | 'buslogic';

/** NIC models (`ethernetN.virtualDev`). */
export type EthernetVirtualDev = 'vlance' | 'e1000';

/** Where a NIC's MAC address comes from (`ethernetN.addressType`). */
export type MacAddressType = 'generated' | 'static' | 'vpx';

/** What a serial port is connected to (`serialN.fileType`). */
export type SerialFileType = 'file' | 'device' | 'pipe' | 'network';

/** A serial port (`serialN.*`). */
export interface SerialPortConfig {
  /** N in `serialN` (0..3; COM1..COM4). */
  readonly index: number;
  /** `serialN.present`. */
  readonly present: boolean;
  /** `serialN.fileType`. */
  readonly fileType: SerialFileType;
  /** `serialN.fileName`: the output file, host device, pipe or network URI. */
  readonly fileName: string | null;
  /** `serialN.startConnected` (default true). */
  readonly startConnected: boolean;
}

/** One target on a SCSI adapter (`scsiN:M.*`). */
export interface ScsiDeviceConfig {
  /** M in `scsiN:M`: the SCSI ID, 0..15 except 7 (the adapter's own ID). */
  readonly unit: number;
  /** `scsiN:M.present`. */
  readonly present: boolean;
  /** `scsiN:M.fileName`: the disk image (VMDK or raw) or ISO. */
  readonly fileName: string | null;
  /** `scsiN:M.mode` (default persistent). */
  readonly mode: DiskMode;
  /** `scsiN:M.deviceType` (default scsi-hardDisk). */
  readonly deviceType: ScsiDeviceType;
}

/** A SCSI host adapter and its targets (`scsiN.*`, `scsiN:M.*`). */
export interface ScsiAdapterConfig {
  /** N in `scsiN` (0..3). */
  readonly index: number;
  /** `scsiN.present`. */
  readonly present: boolean;
  /** `scsiN.virtualDev` (default lsilogic). */
  readonly virtualDev: ScsiVirtualDev;
  /** Targets, ordered by unit. */
  readonly devices: readonly ScsiDeviceConfig[];
}

/** A virtual NIC (`ethernetN.*`). */
export interface EthernetConfig {
  /** N in `ethernetN` (0..9). */
  readonly index: number;
  /** `ethernetN.present`. */
  readonly present: boolean;
  /** `ethernetN.virtualDev` (default vlance, ESX 2's default). */
  readonly virtualDev: EthernetVirtualDev;
  /** `ethernetN.networkName`: the virtual switch / VMnet to join. */
  readonly networkName: string | null;
  /** `ethernetN.addressType` (default generated). */
  readonly addressType: MacAddressType;
  /**
   * The MAC in lower-case `xx:xx:xx:xx:xx:xx` form: `ethernetN.address` for
   * static and vpx addresses, `ethernetN.generatedAddress` for generated
   * ones (null until the host generates one).
   */
  readonly address: string | null;
}

/** CPU resource settings (`sched.cpu.*`). */
export interface CpuSchedConfig {
  /** `sched.cpu.shares` (default normal). */
  readonly shares: Shares;
  /** `sched.cpu.min`: guaranteed CPU, in percent of one physical CPU (default 0). */
  readonly min: number;
  /** `sched.cpu.max`: CPU limit in percent of one physical CPU, null = no limit. */
  readonly max: number | null;
  /** `sched.cpu.affinity`: allowed physical CPUs, or `all`. */
  readonly affinity: 'all' | readonly number[];
}

/** Memory resource settings (`sched.mem.*`). */
export interface MemSchedConfig {
  /** `sched.mem.shares` (default normal). */
  readonly shares: Shares;
  /** `sched.mem.minsize`: guaranteed memory in MB (default 0). */
  readonly minsize: number;
  /** `sched.mem.max`: memory limit in MB, null = memsize. */
  readonly max: number | null;
}

/** Direct kernel boot: load a Linux kernel without a boot disk. */
export interface DirectBootConfig {
  /** `kernel.fileName`: the bzImage. */
  readonly kernel: string;
  /** `initrd.fileName`, or null. */
  readonly initrd: string | null;
  /** `kernel.cmdline` (default empty). */
  readonly cmdline: string;
}

/** A whole virtual machine's configuration. */
export interface MachineConfig {
  /** `config.version`, or null when absent. */
  readonly configVersion: number | null;
  /** `virtualHW.version`, or null when absent. */
  readonly virtualHWVersion: number | null;
  /** `displayName`. */
  readonly displayName: string;
  /** `memsize`: guest RAM in MB, a multiple of 4 in 4..65536. */
  readonly memsize: number;
  /** `numvcpus`: 1..16. */
  readonly numvcpus: number;
  /** `guestOS`, e.g. `linux`, `winnetstandard`, `other`. */
  readonly guestOS: string;
  /** `uuid.bios` in VMware form (`56 4d ... 12-34 ...`), or null. */
  readonly uuid: string | null;
  /** `bios440.filename`: a BIOS image to use instead of the built-in one, or null. */
  readonly biosFile: string | null;
  /** Direct kernel boot, or null to boot from the BIOS. */
  readonly boot: DirectBootConfig | null;
  /** Serial ports, ordered by index. */
  readonly serial: readonly SerialPortConfig[];
  /** SCSI adapters, ordered by index. */
  readonly scsi: readonly ScsiAdapterConfig[];
  /** NICs, ordered by index. */
  readonly ethernet: readonly EthernetConfig[];
  /** Resource settings. */
  readonly sched: {
    /** `sched.cpu.*`. */
    readonly cpu: CpuSchedConfig;
    /** `sched.mem.*`. */
    readonly mem: MemSchedConfig;
  };
  /** Keys this version does not know, kept as written (in file order) for round-trips. */
  readonly extra: readonly (readonly [string, string])[];
}
