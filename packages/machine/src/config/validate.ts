import type { VmxDiagnostic } from '../vmx/diagnostic.js';
import type { MachineConfig } from './types.js';
import { isShares, macInVmwareRange, parseMac, parseUuid } from './values.js';

/** Limits the validator enforces. */
export const CONFIG_LIMITS = {
  /** memsize range in MB. */
  memsize: {
    /** Smallest. */
    min: 4,
    /** Largest. */
    max: 65536,
    /** memsize must be a multiple of this. */
    multiple: 4,
  },
  /** numvcpus range. */
  numvcpus: {
    /** Fewest. */
    min: 1,
    /** Most. */
    max: 16,
  },
  /** Highest N in serialN. */
  maxSerialIndex: 3,
  /** Highest N in scsiN. */
  maxScsiIndex: 3,
  /** Highest M in scsiN:M; 7 is the adapter itself. */
  maxScsiUnit: 15,
  /** The SCSI ID the adapter uses. */
  scsiAdapterUnit: 7,
  /** Highest N in ethernetN. */
  maxEthernetIndex: 9,
} as const;

const SERIAL_TYPES = ['file', 'device', 'pipe', 'network'];
const SCSI_DEVS = ['lsilogic', 'buslogic'];
const DISK_MODES = ['persistent', 'nonpersistent', 'undoable', 'append', 'independent-persistent', 'independent-nonpersistent'];
const DEVICE_TYPES = ['scsi-hardDisk', 'cdrom-image', 'cdrom-raw'];
const NIC_DEVS = ['vlance', 'e1000'];
const ADDRESS_TYPES = ['generated', 'static', 'vpx'];

const isInt = (n: unknown, min: number, max: number): boolean => Number.isSafeInteger(n) && (n as number) >= min && (n as number) <= max;

/**
 * Check a configuration as a whole: ranges, formats, enumerations and the
 * rules that tie settings together (disk targets need a file, a static MAC
 * must be in VMware's range, reservations within limits, no two NICs with one
 * MAC...). Problems name the `.vmx` key they concern; `line` is null (the
 * `.vmx` reader fills it in).
 */
export function validateMachineConfig(c: MachineConfig): VmxDiagnostic[] {
  const out: VmxDiagnostic[] = [];
  const error = (key: string, message: string): void => void out.push({ severity: 'error', line: null, key, value: null, message });
  const warning = (key: string, message: string): void => void out.push({ severity: 'warning', line: null, key, value: null, message });
  const L = CONFIG_LIMITS;

  if (!isInt(c.memsize, L.memsize.min, L.memsize.max) || c.memsize % L.memsize.multiple !== 0)
    error('memsize', `must be a multiple of ${L.memsize.multiple} MB between ${L.memsize.min} and ${L.memsize.max}, got ${c.memsize}`);
  if (!isInt(c.numvcpus, L.numvcpus.min, L.numvcpus.max)) error('numvcpus', `must be between ${L.numvcpus.min} and ${L.numvcpus.max}, got ${c.numvcpus}`);
  if (c.uuid !== null && !parseUuid(c.uuid).ok) error('uuid.bios', 'not a UUID');
  if (c.configVersion !== null && !isInt(c.configVersion, 0, 1000)) error('config.version', 'must be a small non-negative integer');
  if (c.virtualHWVersion !== null && !isInt(c.virtualHWVersion, 0, 1000)) error('virtualHW.version', 'must be a small non-negative integer');
  if (c.boot !== null && c.boot.kernel.trim() === '') error('kernel.fileName', 'direct boot needs a kernel file');
  if (c.boot === null && c.biosFile !== null && c.biosFile.trim() === '') error('bios440.filename', 'empty file name');

  const seenSerial = new Set<number>();
  for (const s of c.serial) {
    const k = `serial${s.index}`;
    if (!isInt(s.index, 0, L.maxSerialIndex)) error(`${k}.present`, `serial port index must be 0..${L.maxSerialIndex}`);
    if (seenSerial.has(s.index)) error(`${k}.present`, 'serial port configured twice');
    seenSerial.add(s.index);
    if (!SERIAL_TYPES.includes(s.fileType)) error(`${k}.fileType`, `not one of ${SERIAL_TYPES.join(', ')}`);
    if (s.present && s.fileType !== 'device' && (s.fileName === null || s.fileName === ''))
      error(`${k}.fileName`, `a ${s.fileType} serial port needs a fileName`);
  }

  const seenScsi = new Set<number>();
  for (const a of c.scsi) {
    const k = `scsi${a.index}`;
    if (!isInt(a.index, 0, L.maxScsiIndex)) error(`${k}.present`, `SCSI adapter index must be 0..${L.maxScsiIndex}`);
    if (seenScsi.has(a.index)) error(`${k}.present`, 'SCSI adapter configured twice');
    seenScsi.add(a.index);
    if (!SCSI_DEVS.includes(a.virtualDev)) error(`${k}.virtualDev`, `not one of ${SCSI_DEVS.join(', ')}`);
    const units = new Set<number>();
    for (const d of a.devices) {
      const dk = `${k}:${d.unit}`;
      if (!isInt(d.unit, 0, L.maxScsiUnit)) error(`${dk}.present`, `SCSI ID must be 0..${L.maxScsiUnit}`);
      else if (d.unit === L.scsiAdapterUnit) error(`${dk}.present`, `SCSI ID ${L.scsiAdapterUnit} is the adapter's own`);
      if (units.has(d.unit)) error(`${dk}.present`, 'SCSI target configured twice');
      units.add(d.unit);
      if (!DISK_MODES.includes(d.mode)) error(`${dk}.mode`, `not one of ${DISK_MODES.join(', ')}`);
      if (!DEVICE_TYPES.includes(d.deviceType)) error(`${dk}.deviceType`, `not one of ${DEVICE_TYPES.join(', ')}`);
      if (d.present && (d.fileName === null || d.fileName === '')) error(`${dk}.fileName`, 'a present SCSI target needs a fileName');
      if (d.present && !a.present) warning(`${dk}.present`, `ignored: ${k} is not present`);
    }
  }

  const seenNic = new Set<number>();
  const macs = new Map<string, number>();
  for (const e of c.ethernet) {
    const k = `ethernet${e.index}`;
    if (!isInt(e.index, 0, L.maxEthernetIndex)) error(`${k}.present`, `NIC index must be 0..${L.maxEthernetIndex}`);
    if (seenNic.has(e.index)) error(`${k}.present`, 'NIC configured twice');
    seenNic.add(e.index);
    if (!NIC_DEVS.includes(e.virtualDev)) error(`${k}.virtualDev`, `not one of ${NIC_DEVS.join(', ')}`);
    if (!ADDRESS_TYPES.includes(e.addressType)) {
      error(`${k}.addressType`, `not one of ${ADDRESS_TYPES.join(', ')}`);
      continue;
    }
    const addrKey = e.addressType === 'generated' ? `${k}.generatedAddress` : `${k}.address`;
    if (e.address === null) {
      if (e.addressType !== 'generated' && e.present) error(`${k}.address`, `addressType ${e.addressType} needs an address`);
      continue;
    }
    const mac = parseMac(e.address);
    if (!mac.ok) {
      error(addrKey, mac.reason);
      continue;
    }
    if (parseInt(mac.value.slice(0, 2), 16) & 1) error(addrKey, 'a multicast address cannot be a NIC address');
    else if (e.addressType === 'static' && !macInVmwareRange(mac.value, 'static'))
      error(addrKey, 'static addresses must be in 00:50:56:00:00:00..00:50:56:3F:FF:FF');
    else if (e.addressType === 'vpx' && !macInVmwareRange(mac.value, 'vpx'))
      error(addrKey, 'vpx addresses must be in 00:50:56:80:00:00..00:50:56:BF:FF:FF');
    else if (e.addressType === 'generated' && !macInVmwareRange(mac.value, 'generated'))
      warning(addrKey, 'generated addresses normally use the 00:0C:29 OUI');
    const other = macs.get(mac.value);
    if (other !== undefined && e.present) error(addrKey, `same MAC address as ethernet${other}`);
    else if (e.present) macs.set(mac.value, e.index);
  }

  const cpu = c.sched.cpu;
  const cpuCap = 100 * (isInt(c.numvcpus, 1, 64) ? c.numvcpus : 1);
  if (!isShares(cpu.shares)) error('sched.cpu.shares', 'not low, normal, high or a share count 1..1000000');
  if (!isInt(cpu.min, 0, cpuCap)) error('sched.cpu.min', `must be 0..${cpuCap} (percent of one CPU, times numvcpus)`);
  if (cpu.max !== null) {
    if (!isInt(cpu.max, 1, cpuCap)) error('sched.cpu.max', `must be 1..${cpuCap} (percent of one CPU, times numvcpus)`);
    else if (isInt(cpu.min, 0, cpuCap) && cpu.max < cpu.min) error('sched.cpu.max', `below sched.cpu.min (${cpu.min})`);
  }
  if (cpu.affinity !== 'all') {
    if (cpu.affinity.length === 0 || cpu.affinity.some((n) => !isInt(n, 0, 63))) error('sched.cpu.affinity', 'must be "all" or CPU numbers 0..63');
  }
  const mem = c.sched.mem;
  if (!isShares(mem.shares)) error('sched.mem.shares', 'not low, normal, high or a share count 1..1000000');
  if (!isInt(mem.minsize, 0, Math.max(0, c.memsize))) error('sched.mem.minsize', `must be 0..memsize (${c.memsize} MB)`);
  if (mem.max !== null) {
    if (!isInt(mem.max, 1, Math.max(1, c.memsize))) error('sched.mem.max', `must be 1..memsize (${c.memsize} MB)`);
    else if (isInt(mem.minsize, 0, c.memsize) && mem.max < mem.minsize) error('sched.mem.max', `below sched.mem.minsize (${mem.minsize})`);
  }
  return out;
}
