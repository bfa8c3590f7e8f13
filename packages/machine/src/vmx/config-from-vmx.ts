import { defaultMachineConfig } from '../config/defaults.js';
import type {
  EthernetConfig,
  MachineConfig,
  ScsiAdapterConfig,
  ScsiDeviceConfig,
  ScsiVirtualDev,
  SerialPortConfig,
  Shares,
} from '../config/types.js';
import { CONFIG_LIMITS, validateMachineConfig } from '../config/validate.js';
import type { Parsed } from '../config/values.js';
import { parseAffinity, parseBool, parseEnum, parseInteger, parseMac, parseShares, parseUuid } from '../config/values.js';
import { sortDiagnostics } from './diagnostic.js';
import type { VmxDiagnostic } from './diagnostic.js';
import type { VmxDocument, VmxEntry } from './document.js';

/** Result of {@link configFromVmx}. */
export interface VmxConfigResult {
  /** True when there are no errors. */
  readonly ok: boolean;
  /** The configuration (null when there are errors). */
  readonly config: MachineConfig | null;
  /** Errors and warnings in line order. */
  readonly diagnostics: readonly VmxDiagnostic[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A SCSI adapter being read: its targets by unit. */
type AdapterDraft = Mutable<Omit<ScsiAdapterConfig, 'devices'>> & { devices: Map<number, Mutable<ScsiDeviceConfig>> };
/** A NIC being read: both address keys until the address type is known. */
type NicDraft = Mutable<EthernetConfig> & { staticAddress: string | null; generatedAddress: string | null };

/** Mutable drafts while reading; frozen into the readonly config at the end. */
interface Draft {
  c: Mutable<Omit<MachineConfig, 'serial' | 'scsi' | 'ethernet' | 'extra' | 'sched' | 'boot'>>;
  cpu: Mutable<MachineConfig['sched']['cpu']>;
  mem: Mutable<MachineConfig['sched']['mem']>;
  kernel: string | null;
  initrd: string | null;
  cmdline: string | null;
  serialFileTypeSet: Set<number>;
  serial: Map<number, Mutable<SerialPortConfig>>;
  scsi: Map<number, AdapterDraft>;
  ethernet: Map<number, NicDraft>;
  extra: [string, string][];
}

/** A key handler: applies the value, or returns why it cannot. */
type Apply = (d: Draft, value: string, m: RegExpMatchArray) => string | null;

const str = (set: (d: Draft, v: string) => void): Apply => (d, v) => (set(d, v), null);
function use<T>(parse: (s: string) => Parsed<T>, set: (d: Draft, v: T, m: RegExpMatchArray) => void): Apply {
  return (d, s, m) => {
    const r = parse(s);
    if (!r.ok) return r.reason;
    set(d, r.value, m);
    return null;
  };
}
const int = (s: string): Parsed<number> => parseInteger(s);
const optInt = (s: string): Parsed<number | null> => (s.trim() === '' ? { ok: true, value: null } : parseInteger(s));
const shares = (s: string): Parsed<Shares> => parseShares(s);
/** SCSI adapter models; ESX 2 and Workstation 4 wrote them as `vmxlsilogic` / `vmxbuslogic`. */
const scsiDev = (s: string): Parsed<ScsiVirtualDev> => parseEnum(s.trim().replace(/^vmx(?=lsilogic$|buslogic$)/i, ''), ['lsilogic', 'buslogic'] as const);

function serial(d: Draft, m: RegExpMatchArray): Mutable<SerialPortConfig> {
  const i = Number(m[1]);
  let s = d.serial.get(i);
  if (!s) d.serial.set(i, (s = { index: i, present: false, fileType: 'device', fileName: null, startConnected: true }));
  return s;
}
function adapter(d: Draft, m: RegExpMatchArray): AdapterDraft {
  const i = Number(m[1]);
  let a = d.scsi.get(i);
  if (!a) d.scsi.set(i, (a = { index: i, present: false, virtualDev: 'lsilogic', devices: new Map() }));
  return a;
}
function target(d: Draft, m: RegExpMatchArray): Mutable<ScsiDeviceConfig> {
  const a = adapter(d, m);
  const u = Number(m[2]);
  let t = a.devices.get(u);
  if (!t) a.devices.set(u, (t = { unit: u, present: false, fileName: null, mode: 'persistent', deviceType: 'scsi-hardDisk' }));
  return t;
}
function nic(d: Draft, m: RegExpMatchArray): NicDraft {
  const i = Number(m[1]);
  let e = d.ethernet.get(i);
  if (!e)
    d.ethernet.set(
      i,
      (e = { index: i, present: false, virtualDev: 'vlance', networkName: null, addressType: 'generated', address: null, staticAddress: null, generatedAddress: null }),
    );
  return e;
}

/** The keys this package understands, lower-case, with what each does. */
const RULES: readonly (readonly [RegExp, Apply])[] = [
  [/^\.encoding$/, (_d, v) => (/^utf-?8$/i.test(v.trim()) ? null : `only UTF-8 is supported`)],
  [/^config\.version$/, use(int, (d, v) => (d.c.configVersion = v))],
  [/^virtualhw\.version$/, use(int, (d, v) => (d.c.virtualHWVersion = v))],
  [/^displayname$/, str((d, v) => (d.c.displayName = v))],
  [/^memsize$/, use(int, (d, v) => (d.c.memsize = v))],
  [/^numvcpus$/, use(int, (d, v) => (d.c.numvcpus = v))],
  [/^guestos$/, str((d, v) => (d.c.guestOS = v))],
  [/^uuid\.bios$/, use(parseUuid, (d, v) => (d.c.uuid = v))],
  [/^bios440\.filename$/, str((d, v) => (d.c.biosFile = v))],
  [/^kernel\.filename$/, str((d, v) => (d.kernel = v))],
  [/^initrd\.filename$/, str((d, v) => (d.initrd = v))],
  [/^kernel\.cmdline$/, str((d, v) => (d.cmdline = v))],
  [/^sched\.cpu\.shares$/, use(shares, (d, v) => (d.cpu.shares = v))],
  [/^sched\.cpu\.min$/, use(int, (d, v) => (d.cpu.min = v))],
  [/^sched\.cpu\.max$/, use(optInt, (d, v) => (d.cpu.max = v))],
  [/^sched\.cpu\.affinity$/, use(parseAffinity, (d, v) => (d.cpu.affinity = v))],
  [/^sched\.mem\.shares$/, use(shares, (d, v) => (d.mem.shares = v))],
  [/^sched\.mem\.minsize$/, use(int, (d, v) => (d.mem.minsize = v))],
  [/^sched\.mem\.max$/, use(optInt, (d, v) => (d.mem.max = v))],
  [/^serial(\d+)\.present$/, use(parseBool, (d, v, m) => (serial(d, m).present = v))],
  [
    /^serial(\d+)\.filetype$/,
    use(
      (s) => parseEnum(s, ['file', 'device', 'pipe', 'network'] as const),
      (d, v, m) => {
        serial(d, m).fileType = v;
        d.serialFileTypeSet.add(Number(m[1]));
      },
    ),
  ],
  [/^serial(\d+)\.filename$/, (d, v, m) => ((serial(d, m).fileName = v), null)],
  [/^serial(\d+)\.startconnected$/, use(parseBool, (d, v, m) => (serial(d, m).startConnected = v))],
  [/^scsi(\d+)\.present$/, use(parseBool, (d, v, m) => (adapter(d, m).present = v))],
  [/^scsi(\d+)\.virtualdev$/, use(scsiDev, (d, v, m) => (adapter(d, m).virtualDev = v))],
  [/^scsi(\d+):(\d+)\.present$/, use(parseBool, (d, v, m) => (target(d, m).present = v))],
  [/^scsi(\d+):(\d+)\.filename$/, (d, v, m) => ((target(d, m).fileName = v), null)],
  // ESX 2 names VMFS disks `scsiN:M.name = "vmfs-volume:disk.vmdk"`.
  [/^scsi(\d+):(\d+)\.name$/, (d, v, m) => ((target(d, m).fileName = v), null)],
  [
    /^scsi(\d+):(\d+)\.mode$/,
    use(
      (s) => parseEnum(s, ['persistent', 'nonpersistent', 'undoable', 'append', 'independent-persistent', 'independent-nonpersistent'] as const),
      (d, v, m) => (target(d, m).mode = v),
    ),
  ],
  [
    /^scsi(\d+):(\d+)\.devicetype$/,
    use((s) => parseEnum(s, ['scsi-hardDisk', 'cdrom-image', 'cdrom-raw'] as const), (d, v, m) => (target(d, m).deviceType = v)),
  ],
  [/^ethernet(\d+)\.present$/, use(parseBool, (d, v, m) => (nic(d, m).present = v))],
  [/^ethernet(\d+)\.virtualdev$/, use((s) => parseEnum(s, ['vlance', 'e1000'] as const), (d, v, m) => (nic(d, m).virtualDev = v))],
  [/^ethernet(\d+)\.networkname$/, (d, v, m) => ((nic(d, m).networkName = v), null)],
  [/^ethernet(\d+)\.addresstype$/, use((s) => parseEnum(s, ['generated', 'static', 'vpx'] as const), (d, v, m) => (nic(d, m).addressType = v))],
  [/^ethernet(\d+)\.address$/, use(parseMac, (d, v, m) => (nic(d, m).staticAddress = v))],
  [/^ethernet(\d+)\.generatedaddress$/, use(parseMac, (d, v, m) => (nic(d, m).generatedAddress = v))],
];

/** Index limits per indexed key family, checked before a device is created. */
function indexProblem(lk: string, m: RegExpMatchArray): string | null {
  const L = CONFIG_LIMITS;
  const i = Number(m[1]);
  if (lk.startsWith('serial') && i > L.maxSerialIndex) return `serial port index ${i} is beyond ${L.maxSerialIndex}`;
  if (lk.startsWith('ethernet') && i > L.maxEthernetIndex) return `NIC index ${i} is beyond ${L.maxEthernetIndex}`;
  if (lk.startsWith('scsi')) {
    if (i > L.maxScsiIndex) return `SCSI adapter index ${i} is beyond ${L.maxScsiIndex}`;
    if (m[2] !== undefined) {
      const u = Number(m[2]);
      if (u > L.maxScsiUnit) return `SCSI ID ${u} is beyond ${L.maxScsiUnit}`;
      if (u === L.scsiAdapterUnit) return `SCSI ID ${u} is the adapter's own`;
    }
  }
  return null;
}

/**
 * Turn `.vmx` settings into a validated {@link MachineConfig}. Every value is
 * checked where it stands (`line 7: memsize = "12x": not an integer`), then
 * the configuration as a whole ({@link validateMachineConfig}), with each
 * problem traced back to the line of its key. Unknown keys are kept in
 * `extra` and reported as warnings.
 */
export function configFromVmx(doc: VmxDocument): VmxConfigResult {
  const base = defaultMachineConfig();
  const draft: Draft = {
    c: {
      configVersion: null,
      virtualHWVersion: null,
      displayName: base.displayName,
      memsize: base.memsize,
      numvcpus: base.numvcpus,
      guestOS: base.guestOS,
      uuid: null,
      biosFile: null,
    },
    cpu: { ...base.sched.cpu },
    mem: { ...base.sched.mem },
    kernel: null,
    initrd: null,
    cmdline: null,
    serialFileTypeSet: new Set(),
    serial: new Map(),
    scsi: new Map(),
    ethernet: new Map(),
    extra: [],
  };
  const diags: VmxDiagnostic[] = [];
  const failed = new Set<string>();
  const at = (e: VmxEntry, severity: VmxDiagnostic['severity'], message: string): void =>
    void diags.push({ severity, line: e.line, key: e.key, value: e.value, message });

  for (const e of doc.entries()) {
    const lk = e.key.toLowerCase();
    let handled = false;
    for (const [re, apply] of RULES) {
      const m = lk.match(re);
      if (!m) continue;
      handled = true;
      const reason = indexProblem(lk, m) ?? apply(draft, e.value, m);
      if (reason !== null) {
        at(e, lk === '.encoding' ? 'warning' : 'error', reason);
        failed.add(lk);
      }
      break;
    }
    if (!handled) {
      draft.extra.push([e.key, e.value]);
      at(e, 'warning', 'unknown key, kept as is');
    }
  }
  if (!doc.has('memsize')) diags.push({ severity: 'warning', line: null, key: 'memsize', value: null, message: `not set, using ${base.memsize} MB` });

  for (const a of draft.scsi.values())
    for (const t of a.devices.values()) {
      const both = [doc.entry(`scsi${a.index}:${t.unit}.fileName`), doc.entry(`scsi${a.index}:${t.unit}.name`)];
      if (both[0] && both[1]) at(both[1], 'error', `same setting as ${both[0].key} (line ${both[0].line})`);
    }

  let boot: MachineConfig['boot'] = null;
  if (draft.kernel !== null) boot = { kernel: draft.kernel, initrd: draft.initrd, cmdline: draft.cmdline ?? '' };
  else
    for (const k of ['initrd.fileName', 'kernel.cmdline']) {
      const e = doc.entry(k);
      if (e) at(e, 'error', 'needs kernel.fileName (direct kernel boot)');
    }

  // The address of the other address type is not used; keep it as written so a round trip loses nothing.
  for (const n of draft.ethernet.values()) {
    const unused = n.addressType === 'generated' ? `ethernet${n.index}.address` : `ethernet${n.index}.generatedAddress`;
    const e = doc.entry(unused);
    if (e && !failed.has(unused.toLowerCase())) {
      draft.extra.push([e.key, e.value]);
      at(e, 'warning', `not used with addressType ${n.addressType}, kept as is`);
    }
  }

  const serialPorts = [...draft.serial.values()].sort((a, b) => a.index - b.index);
  for (const s of serialPorts) if (!draft.serialFileTypeSet.has(s.index) && s.fileName !== null) s.fileType = 'file';
  const config: MachineConfig = {
    ...draft.c,
    boot,
    serial: serialPorts,
    scsi: [...draft.scsi.values()]
      .sort((a, b) => a.index - b.index)
      .map((a) => ({ ...a, devices: [...a.devices.values()].sort((x, y) => x.unit - y.unit) })),
    ethernet: [...draft.ethernet.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ staticAddress, generatedAddress, ...e }) => ({
        ...e,
        address: e.addressType === 'generated' ? generatedAddress : staticAddress,
      })),
    sched: { cpu: draft.cpu, mem: draft.mem },
    extra: draft.extra,
  };

  for (const v of validateMachineConfig(config)) {
    const key = v.key ?? '';
    if (failed.has(key.toLowerCase())) continue; // already reported where it was read
    // A missing key (a disk without fileName) is reported at its device's `present` line.
    const e = doc.entry(key) ?? doc.entry(key.replace(/\.[^.]*$/, '.present'));
    diags.push(e ? { ...v, line: e.line, key: e.key, value: e.value } : v);
  }
  const sorted = sortDiagnostics(diags);
  const ok = !sorted.some((d) => d.severity === 'error');
  return { ok, config: ok ? config : null, diagnostics: sorted };
}
