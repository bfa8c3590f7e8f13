import type { EthernetConfig, MachineConfig, ScsiAdapterConfig, ScsiDeviceConfig, SerialPortConfig } from './types.js';

/** Defaults for a machine: 256 MB, one vCPU, no devices, normal shares. */
export function defaultMachineConfig(): MachineConfig {
  return {
    configVersion: 8,
    virtualHWVersion: 3,
    displayName: '',
    memsize: 256,
    numvcpus: 1,
    guestOS: 'other',
    uuid: null,
    biosFile: null,
    boot: null,
    serial: [],
    scsi: [],
    ethernet: [],
    sched: {
      cpu: { shares: 'normal', min: 0, max: null, affinity: 'all' },
      mem: { shares: 'normal', minsize: 0, max: null },
    },
    extra: [],
  };
}

/** A serial port with defaults filled in (present, output to a file). */
export function serialPort(index: number, fields: Partial<Omit<SerialPortConfig, 'index'>> = {}): SerialPortConfig {
  return { index, present: true, fileType: 'file', fileName: null, startConnected: true, ...fields };
}

/** A SCSI target with defaults (present persistent hard disk). */
export function scsiDevice(unit: number, fields: Partial<Omit<ScsiDeviceConfig, 'unit'>> = {}): ScsiDeviceConfig {
  return { unit, present: true, fileName: null, mode: 'persistent', deviceType: 'scsi-hardDisk', ...fields };
}

/** A SCSI adapter with defaults (present LSI Logic, no targets). */
export function scsiAdapter(index: number, fields: Partial<Omit<ScsiAdapterConfig, 'index'>> = {}): ScsiAdapterConfig {
  return { index, present: true, virtualDev: 'lsilogic', devices: [], ...fields };
}

/** A NIC with defaults (present vlance, generated address, no network). */
export function ethernet(index: number, fields: Partial<Omit<EthernetConfig, 'index'>> = {}): EthernetConfig {
  return { index, present: true, virtualDev: 'vlance', networkName: null, addressType: 'generated', address: null, ...fields };
}

/**
 * A configuration from the defaults with `fields` on top (`sched` merged one
 * level deep), for building machines in code.
 */
export function createMachineConfig(
  fields: Partial<Omit<MachineConfig, 'sched'>> & {
    sched?: { cpu?: Partial<MachineConfig['sched']['cpu']>; mem?: Partial<MachineConfig['sched']['mem']> };
  } = {},
): MachineConfig {
  const d = defaultMachineConfig();
  const { sched, ...rest } = fields;
  return {
    ...d,
    ...rest,
    sched: { cpu: { ...d.sched.cpu, ...sched?.cpu }, mem: { ...d.sched.mem, ...sched?.mem } },
  };
}
