import { describe, expect, it } from 'vitest';
import { createMachineConfig, ethernet, scsiAdapter, scsiDevice, serialPort } from '../config/defaults.js';
import { configFromVmx } from './config-from-vmx.js';
import { formatDiagnostic, VmxError } from './diagnostic.js';
import { VmxDocument } from './document.js';
import { escapeVmxValue, unescapeVmxValue } from './escape.js';
import { loadVmxConfig, readVmxConfig, saveVmxConfig } from './load.js';
import { parseVmx } from './parse.js';
import { writeVmx } from './write.js';

const ESX_VMX = `#!/usr/bin/vmware
config.version = "6"
virtualHW.version = "3"
displayName = "web01"
memsize = "512"
numvcpus = "2"
guestOS = "linux"
uuid.bios = "56 4d 1a 2b 3c 4d 5e 6f-70 81 92 a3 b4 c5 d6 e7"

# disks
scsi0.present = "TRUE"
scsi0.virtualDev = "vmxlsilogic"
`;

describe('escape', () => {
  it('round-trips quotes, pipes and newlines with |XX', () => {
    const raw = 'say "hi" | bye\nnext';
    const esc = escapeVmxValue(raw);
    expect(esc).toBe('say |22hi|22 |7C bye|0Anext');
    expect(unescapeVmxValue(esc)).toEqual({ value: raw, strayPipes: 0 });
  });
  it('keeps a stray pipe and counts it', () => {
    expect(unescapeVmxValue('a|zz|4')).toEqual({ value: 'a|zz|4', strayPipes: 2 });
    expect(escapeVmxValue('C:\\VMs\\a b.vmdk')).toBe('C:\\VMs\\a b.vmdk');
  });
});

describe('parseVmx', () => {
  it('reads key = "value" lines, skipping comments and blank lines', () => {
    const r = parseVmx('# comment\n\n  memsize = "256"\r\ndisplayName="A |22B|22"  # trailing comment\n');
    expect(r.ok).toBe(true);
    expect(r.document.get('MEMSIZE')).toBe('256');
    expect(r.document.get('displayname')).toBe('A "B"');
    expect(r.document.entry('memsize')!.line).toBe(3);
    expect(r.diagnostics).toEqual([]);
  });

  it('tolerates a bare value with a warning', () => {
    const r = parseVmx('memsize = 256\n');
    expect(r.ok).toBe(true);
    expect(r.document.get('memsize')).toBe('256');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['line 1: memsize = "256": value is not quoted']);
  });

  it('rejects malformed lines with their line numbers', () => {
    const r = parseVmx(['memsize = "256"', 'this is not a setting', 'numvcpus = "2', 'guestOS = "linux" extra', 'bad key = "x"', ' = "v"'].join('\n'));
    expect(r.ok).toBe(false);
    const lines = r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.line, d.message]);
    expect(lines).toEqual([
      [2, 'expected key = "value", found "this is not a setting"'],
      [3, 'unterminated quoted value'],
      [4, 'unexpected text after the closing quote: extra'],
      [5, 'invalid key (letters, digits, ".", ":", "_" and "-" only)'],
      [6, 'missing key before "="'],
    ]);
    expect(r.document.get('memsize')).toBe('256'); // good lines are still read
  });

  it('reports duplicate keys (case-insensitive): same value warns, different value errs', () => {
    const r = parseVmx('memsize = "256"\nMemSize = "256"\nmemsize = "512"\n');
    expect(r.ok).toBe(false);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'line 2: MemSize = "256": duplicate of line 1',
      'line 3: memsize = "512": duplicate key, already set on line 1 to "256"',
    ]);
  });
});

describe('parseVmx on garbage', () => {
  it('never throws, whatever the text (fuzz)', () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0x7fff;
    const alphabet = 'ab.:=" |#\n\r\t0123456789xZ\u00e9\u0000-_';
    for (let i = 0; i < 500; i++) {
      let text = '';
      const n = rnd() % 120;
      for (let j = 0; j < n; j++) text += alphabet[rnd() % alphabet.length];
      const r = readVmxConfig(text);
      expect(typeof r.ok).toBe('boolean');
      for (const d of r.diagnostics) expect(typeof formatDiagnostic(d)).toBe('string');
    }
  });
});

describe('VmxDocument', () => {
  it('looks keys up case-insensitively and keeps order and first spelling', () => {
    const d = new VmxDocument([
      ['displayName', 'x'],
      ['memsize', '4'],
    ]);
    d.set('DISPLAYNAME', 'y');
    expect(d.entries().map((e) => [e.key, e.value])).toEqual([
      ['displayName', 'y'],
      ['memsize', '4'],
    ]);
    expect(d.delete('MEMSIZE')).toBe(true);
    expect(d.has('memsize')).toBe(false);
    expect(d.size).toBe(1);
    expect(writeVmx(d, 'made by a test')).toBe('# made by a test\ndisplayName = "y"\n');
  });
});

describe('readVmxConfig', () => {
  it('converts a typical ESX file to a typed configuration', () => {
    const text = `${ESX_VMX.replace('vmxlsilogic', 'lsilogic')}scsi0:0.present = "TRUE"
scsi0:0.fileName = "web01.vmdk"
scsi0:0.mode = "nonpersistent"
ethernet0.present = "TRUE"
ethernet0.virtualDev = "e1000"
ethernet0.networkName = "VM Network"
ethernet0.addressType = "static"
ethernet0.address = "00:50:56:0A:0B:0C"
serial0.present = "TRUE"
serial0.fileType = "file"
serial0.fileName = "console.log"
sched.cpu.shares = "high"
sched.cpu.min = "50"
sched.cpu.max = "150"
sched.mem.minsize = "128"
sched.mem.shares = "2500"
tools.syncTime = "TRUE"
`;
    const r = readVmxConfig(text);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['line 29: tools.syncTime = "TRUE": unknown key, kept as is']);
    const c = r.config!;
    expect(c.displayName).toBe('web01');
    expect(c.memsize).toBe(512);
    expect(c.numvcpus).toBe(2);
    expect(c.configVersion).toBe(6);
    expect(c.uuid).toBe('56 4d 1a 2b 3c 4d 5e 6f-70 81 92 a3 b4 c5 d6 e7');
    expect(c.scsi).toEqual([
      { index: 0, present: true, virtualDev: 'lsilogic', devices: [{ unit: 0, present: true, fileName: 'web01.vmdk', mode: 'nonpersistent', deviceType: 'scsi-hardDisk' }] },
    ]);
    expect(c.ethernet[0]).toMatchObject({ virtualDev: 'e1000', networkName: 'VM Network', addressType: 'static', address: '00:50:56:0a:0b:0c' });
    expect(c.serial[0]).toEqual({ index: 0, present: true, fileType: 'file', fileName: 'console.log', startConnected: true });
    expect(c.sched.cpu).toEqual({ shares: 'high', min: 50, max: 150, affinity: 'all' });
    expect(c.sched.mem).toEqual({ shares: 2500, minsize: 128, max: null });
    expect(c.extra).toEqual([['tools.syncTime', 'TRUE']]);
  });

  it('rejects a bad value naming line, key and reason', () => {
    const text = 'displayName = "x"\n\n# c\nnumvcpus = "1"\nguestOS = "other"\n\nmemsize = "12x"\n';
    const r = readVmxConfig(text);
    expect(r.ok).toBe(false);
    expect(r.config).toBeNull();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(['line 7: memsize = "12x": not an integer']);
    expect(() => loadVmxConfig(text)).toThrow(VmxError);
    expect(() => loadVmxConfig(text)).toThrow('line 7: memsize = "12x": not an integer');
  });

  it('enforces the value rules', () => {
    const errs = (text: string): string[] =>
      readVmxConfig(text)
        .diagnostics.filter((d) => d.severity === 'error')
        .map(formatDiagnostic);
    expect(errs('memsize = "130"')).toEqual(['line 1: memsize = "130": must be a multiple of 4 MB between 4 and 65536, got 130']);
    expect(errs('memsize = "65540"')).toEqual(['line 1: memsize = "65540": must be a multiple of 4 MB between 4 and 65536, got 65540']);
    expect(errs('memsize = "0"')).toHaveLength(1);
    expect(errs('numvcpus = "17"')).toEqual(['line 1: numvcpus = "17": must be between 1 and 16, got 17']);
    expect(errs('numvcpus = "0"')).toHaveLength(1);
    expect(errs('sched.cpu.shares = "lots"')).toEqual(['line 1: sched.cpu.shares = "lots": not low, normal, high or a share count 1..1000000']);
    expect(errs('sched.mem.shares = "LOW"')).toEqual([]);
    expect(errs('scsi0.virtualDev = "vmxnet"')).toEqual(['line 1: scsi0.virtualDev = "vmxnet": not one of lsilogic, buslogic']);
    expect(errs('ethernet0.virtualDev = "vmxnet"')).toEqual(['line 1: ethernet0.virtualDev = "vmxnet": not one of vlance, e1000']);
    expect(errs('scsi0:0.fileName = "a.vmdk"\nscsi0:0.name = "vmfs1:a.vmdk"')).toEqual(['line 2: scsi0:0.name = "vmfs1:a.vmdk": same setting as scsi0:0.fileName (line 1)']);
    expect(errs('scsi0:7.present = "TRUE"')).toEqual(['line 1: scsi0:7.present = "TRUE": SCSI ID 7 is the adapter\'s own']);
    expect(errs('scsi4.present = "TRUE"')).toEqual(['line 1: scsi4.present = "TRUE": SCSI adapter index 4 is beyond 3']);
    expect(errs('scsi0.present = "yes please"')).toEqual(['line 1: scsi0.present = "yes please": not a boolean (TRUE or FALSE)']);
    expect(errs('scsi0.present = "TRUE"\nscsi0:1.present = "TRUE"\nscsi0:1.mode = "undoable"')).toEqual([
      'line 2: scsi0:1.present = "TRUE": a present SCSI target needs a fileName',
    ]);
    expect(errs('scsi0:0.mode = "sometimes"')).toEqual([
      'line 1: scsi0:0.mode = "sometimes": not one of persistent, nonpersistent, undoable, append, independent-persistent, independent-nonpersistent',
    ]);
    expect(errs('uuid.bios = "12 34"')).toHaveLength(1);
    expect(errs('initrd.fileName = "initrd.img"')).toEqual(['line 1: initrd.fileName = "initrd.img": needs kernel.fileName (direct kernel boot)']);
    expect(errs('sched.cpu.min = "80"\nsched.cpu.max = "40"')).toEqual(['line 2: sched.cpu.max = "40": below sched.cpu.min (80)']);
    expect(errs('sched.cpu.max = "200"')).toEqual(['line 1: sched.cpu.max = "200": must be 1..100 (percent of one CPU, times numvcpus)']);
    expect(errs('memsize = "64"\nsched.mem.minsize = "128"')).toEqual(['line 2: sched.mem.minsize = "128": must be 0..memsize (64 MB)']);
    expect(errs('sched.cpu.affinity = "0,1,1"')).toEqual(['line 1: sched.cpu.affinity = "0,1,1": CPU 1 listed twice']);
  });

  it('checks MAC addresses against the VMware ranges', () => {
    const nic = (type: string, addr: string, key = 'address'): string[] =>
      readVmxConfig(`ethernet0.present = "TRUE"\nethernet0.addressType = "${type}"\nethernet0.${key} = "${addr}"`)
        .diagnostics.filter((d) => d.severity === 'error')
        .map((d) => `${d.line}: ${d.message}`);
    expect(nic('static', '00:50:56:3f:ff:ff')).toEqual([]);
    expect(nic('static', '00:50:56:40:00:00')).toEqual(['3: static addresses must be in 00:50:56:00:00:00..00:50:56:3F:FF:FF']);
    expect(nic('static', '00:0c:29:00:00:01')).toHaveLength(1);
    expect(nic('static', '00-50-56-00-00-01')).toEqual(['3: not a MAC address (xx:xx:xx:xx:xx:xx)']);
    expect(nic('static', '01:50:56:00:00:01')).toEqual(['3: a multicast address cannot be a NIC address']);
    expect(nic('vpx', '00:50:56:80:12:34')).toEqual([]);
    expect(nic('vpx', '00:50:56:c0:00:00')).toHaveLength(1);
    expect(nic('generated', '00:0c:29:12:34:56', 'generatedAddress')).toEqual([]);
    const twoNics = readVmxConfig(
      'ethernet0.present = "TRUE"\nethernet0.addressType = "static"\nethernet0.address = "00:50:56:00:00:01"\n' +
        'ethernet1.present = "TRUE"\nethernet1.addressType = "static"\nethernet1.address = "00:50:56:00:00:01"\n',
    );
    expect(twoNics.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual(['line 6: ethernet1.address = "00:50:56:00:00:01": same MAC address as ethernet0']);
  });

  it('reports syntax and value errors together, in line order', () => {
    const r = readVmxConfig('numvcpus = "x"\nnot a line\nmemsize = "8"\n');
    expect(r.diagnostics.map((d) => d.line)).toEqual([1, 2]);
  });
});

describe('ESX 2 files', () => {
  it('reads the ESX 2 spellings: vmxlsilogic / vmxbuslogic and VMFS disk names', () => {
    const text = `#!/usr/bin/vmware
config.version = "6"
virtualHW.version = "3"
memsize = "384"
displayName = "rh9-web"
guestOS = "linux"
floppy0.present = "FALSE"
scsi0.present = "TRUE"
scsi0.virtualDev = "vmxlsilogic"
scsi0:0.present = "TRUE"
scsi0:0.name = "vmhba0:0:0:5:rh9-web.vmdk"
scsi0:0.mode = "undoable"
scsi1.present = "TRUE"
scsi1.virtualDev = "vmxbuslogic"
ethernet0.present = "TRUE"
ethernet0.connectionType = "monitor_dev"
ethernet0.networkName = "Internal"
ethernet0.addressType = "generated"
ethernet0.generatedAddress = "00:0c:29:5e:71:0a"
ethernet0.generatedAddressOffset = "0"
sched.cpu.min = "0"
sched.cpu.max = "100"
sched.cpu.shares = "normal"
sched.mem.minsize = "128"
sched.mem.max = "384"
sched.mem.shares = "normal"
`;
    const r = readVmxConfig(text);
    expect(r.ok).toBe(true);
    const c = r.config!;
    expect(c.scsi.map((a) => a.virtualDev)).toEqual(['lsilogic', 'buslogic']);
    expect(c.scsi[0]!.devices[0]).toMatchObject({ fileName: 'vmhba0:0:0:5:rh9-web.vmdk', mode: 'undoable' });
    expect(c.ethernet[0]).toMatchObject({ addressType: 'generated', address: '00:0c:29:5e:71:0a', networkName: 'Internal' });
    expect(c.sched.mem).toEqual({ shares: 'normal', minsize: 128, max: 384 });
    expect(c.extra.map(([k]) => k)).toEqual(['floppy0.present', 'ethernet0.connectionType', 'ethernet0.generatedAddressOffset']);
    expect(r.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.line)).toEqual([7, 16, 20]);
  });
});

describe('saveVmxConfig', () => {
  it('round-trips a parsed file, unknown keys included', () => {
    const text = `displayName = "quote |22 and pipe |7C"
memsize = "1024"
numvcpus = "2"
guestOS = "winnetstandard"
kernel.fileName = "bzImage"
kernel.cmdline = "console=ttyS0"
scsi1.present = "TRUE"
scsi1.virtualDev = "buslogic"
scsi1:3.present = "TRUE"
scsi1:3.fileName = "data.vmdk"
scsi1:3.mode = "undoable"
ethernet0.present = "TRUE"
ethernet0.generatedAddress = "00:0c:29:aa:bb:cc"
serial1.present = "FALSE"
serial1.fileType = "pipe"
serial1.fileName = "/tmp/com2"
sched.cpu.affinity = "0,2"
sched.mem.max = "768"
floppy0.present = "FALSE"
`;
    const first = loadVmxConfig(text);
    const written = saveVmxConfig(first);
    expect(written).toContain('floppy0.present = "FALSE"');
    expect(written).toContain('displayName = "quote |22 and pipe |7C"');
    expect(written.startsWith('.encoding = "UTF-8"\n')).toBe(true);
    const second = loadVmxConfig(written);
    expect(second).toEqual(first);
    expect(saveVmxConfig(second)).toBe(written);
  });

  it('keeps the address of the unused address type as an extra key', () => {
    const text = 'ethernet0.present = "TRUE"\nethernet0.addressType = "static"\nethernet0.address = "00:50:56:00:00:09"\nethernet0.generatedAddress = "00:0c:29:01:02:03"\n';
    const r = readVmxConfig(text);
    expect(r.diagnostics.map(formatDiagnostic)).toContain('line 4: ethernet0.generatedAddress = "00:0c:29:01:02:03": not used with addressType static, kept as is');
    expect(r.config!.ethernet[0]!.address).toBe('00:50:56:00:00:09');
    expect(saveVmxConfig(r.config!)).toContain('ethernet0.generatedAddress = "00:0c:29:01:02:03"');
  });

  it('writes a configuration built in code that reads back the same', () => {
    const c = createMachineConfig({
      displayName: 'built',
      memsize: 64,
      serial: [serialPort(0, { fileName: 'out.txt' })],
      scsi: [scsiAdapter(0, { devices: [scsiDevice(1, { fileName: 'a.vmdk' })] })],
      ethernet: [ethernet(0, { networkName: 'vmnet0', addressType: 'static', address: '00:50:56:00:00:02' })],
      sched: { cpu: { shares: 3000 } },
    });
    expect(loadVmxConfig(saveVmxConfig(c))).toEqual(c);
  });

  it('refuses to convert an invalid document', () => {
    const r = configFromVmx(new VmxDocument([['numvcpus', '99']]));
    expect(r.ok).toBe(false);
    expect(r.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ line: null, key: 'numvcpus' });
    expect(r.diagnostics.find((d) => d.severity === 'warning')).toMatchObject({ key: 'memsize', message: 'not set, using 256 MB' });
  });
});
