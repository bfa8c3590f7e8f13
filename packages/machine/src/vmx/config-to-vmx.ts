import type { MachineConfig, Shares } from '../config/types.js';
import { VmxDocument } from './document.js';

const bool = (b: boolean): string => (b ? 'TRUE' : 'FALSE');
const shares = (s: Shares): string => String(s);

/**
 * Express a configuration as `.vmx` settings, in the order VMware tools
 * write them, with VMware's key spellings; settings at their default are
 * left out where VMware leaves them out. Unknown keys kept from a parsed file
 * (`extra`) come last, as written.
 */
export function configToVmx(c: MachineConfig): VmxDocument {
  const doc = new VmxDocument();
  const put = (key: string, value: string): void => doc.set(key, value);
  put('.encoding', 'UTF-8');
  if (c.configVersion !== null) put('config.version', String(c.configVersion));
  if (c.virtualHWVersion !== null) put('virtualHW.version', String(c.virtualHWVersion));
  put('displayName', c.displayName);
  put('memsize', String(c.memsize));
  put('numvcpus', String(c.numvcpus));
  put('guestOS', c.guestOS);
  if (c.uuid !== null) put('uuid.bios', c.uuid);
  if (c.biosFile !== null) put('bios440.filename', c.biosFile);
  if (c.boot !== null) {
    put('kernel.fileName', c.boot.kernel);
    if (c.boot.initrd !== null) put('initrd.fileName', c.boot.initrd);
    if (c.boot.cmdline !== '') put('kernel.cmdline', c.boot.cmdline);
  }
  for (const s of c.serial) {
    const k = `serial${s.index}`;
    put(`${k}.present`, bool(s.present));
    put(`${k}.fileType`, s.fileType);
    if (s.fileName !== null) put(`${k}.fileName`, s.fileName);
    if (!s.startConnected) put(`${k}.startConnected`, 'FALSE');
  }
  for (const a of c.scsi) {
    const k = `scsi${a.index}`;
    put(`${k}.present`, bool(a.present));
    put(`${k}.virtualDev`, a.virtualDev);
    for (const d of a.devices) {
      const dk = `${k}:${d.unit}`;
      put(`${dk}.present`, bool(d.present));
      if (d.fileName !== null) put(`${dk}.fileName`, d.fileName);
      if (d.deviceType !== 'scsi-hardDisk') put(`${dk}.deviceType`, d.deviceType);
      put(`${dk}.mode`, d.mode);
    }
  }
  for (const e of c.ethernet) {
    const k = `ethernet${e.index}`;
    put(`${k}.present`, bool(e.present));
    put(`${k}.virtualDev`, e.virtualDev);
    if (e.networkName !== null) put(`${k}.networkName`, e.networkName);
    put(`${k}.addressType`, e.addressType);
    if (e.address !== null) put(e.addressType === 'generated' ? `${k}.generatedAddress` : `${k}.address`, e.address);
  }
  const { cpu, mem } = c.sched;
  put('sched.cpu.shares', shares(cpu.shares));
  if (cpu.min !== 0) put('sched.cpu.min', String(cpu.min));
  if (cpu.max !== null) put('sched.cpu.max', String(cpu.max));
  if (cpu.affinity !== 'all') put('sched.cpu.affinity', cpu.affinity.join(','));
  put('sched.mem.shares', shares(mem.shares));
  if (mem.minsize !== 0) put('sched.mem.minsize', String(mem.minsize));
  if (mem.max !== null) put('sched.mem.max', String(mem.max));
  for (const [k, v] of c.extra) if (!doc.has(k)) put(k, v);
  return doc;
}
