import { describe, expect, it } from 'vitest';
import { BlockError } from '@vm/bus';
import type { BlockBackend } from '@vm/bus';
import { RamBlockBackend } from '@vm/bus/test';
import { ScsiDisk } from './target/scsi-disk.js';
import { Lsi53c1030 } from './mpt/lsi53c1030.js';
import { Bt958 } from './buslogic/bt958.js';
import { FakePciSlot } from './test/fake-pci-slot.js';
import { MptTestDriver } from './test/mpt-test-driver.js';
import { BusLogicTestDriver } from './test/buslogic-test-driver.js';

/** A backing file that fails the way a host file does: reads, writes or flushes rejecting, or a throw. */
class FailingBackend implements BlockBackend {
  readonly sectorSize = 512;
  readonly sectorCount = 2048;
  readonly readOnly = false;
  /** What the next requests do. */
  mode: 'ok' | 'reject-io' | 'reject-corrupt' | 'throw' = 'ok';
  private readonly ram = new RamBlockBackend(2048);
  private act(op: () => Promise<void>): Promise<void> {
    if (this.mode === 'reject-io') return Promise.reject(new BlockError('io', 'EIO from the host file'));
    if (this.mode === 'reject-corrupt') return Promise.reject(new BlockError('corrupt', 'bad grain table'));
    if (this.mode === 'throw') throw new TypeError('backend bug');
    return op();
  }
  read(sector: number, dst: Uint8Array): Promise<void> {
    return this.act(() => this.ram.read(sector, dst));
  }
  write(sector: number, src: Uint8Array): Promise<void> {
    return this.act(() => this.ram.write(sector, src));
  }
  flush(): Promise<void> {
    return this.act(() => this.ram.flush());
  }
}

const READ10 = [0x28, 0, 0, 0, 0, 8, 0, 0, 2, 0];
const WRITE10 = [0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0];
const SYNC_CACHE = [0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const TUR = [0, 0, 0, 0, 0, 0];
/** Sense key and ASC as the guest finds them in fixed-format sense data. */
const keyAsc = (s: Uint8Array): [number, number] => [s[2]! & 0xf, s[12]!];

const CASES = [
  { mode: 'reject-io', cdb: READ10, out: false, want: [3, 0x11] },
  { mode: 'reject-corrupt', cdb: READ10, out: false, want: [3, 0x11] },
  { mode: 'reject-io', cdb: WRITE10, out: true, want: [3, 0x0c] },
  { mode: 'throw', cdb: WRITE10, out: true, want: [3, 0x0c] },
  { mode: 'reject-io', cdb: SYNC_CACHE, out: false, want: [3, 0x0c] },
] as const;

describe('a failing backing file reaches the guest as sense data', () => {
  it('through the LSI 53C1030: CHECK CONDITION with autosense, then the disk works again', async () => {
    const backend = new FailingBackend();
    const hba = new Lsi53c1030({ targets: [{ id: 0, target: new ScsiDisk({ backend }) }] });
    const slot = new FakePciSlot(hba);
    hba.reset();
    const drv = new MptTestDriver(slot);
    drv.init();
    await drv.scsiIo(0, 0, TUR); // consume the power-on unit attention
    for (const c of CASES) {
      backend.mode = c.mode;
      const r = await drv.scsiIo(0, 0, c.cdb, c.out ? { dataOut: new Uint8Array(1024).fill(7) } : c.cdb === READ10 ? { dataIn: 1024 } : {});
      expect(r.scsiStatus, `${c.mode} ${c.cdb[0]}`).toBe(2);
      expect(r.scsiState & 1).toBe(1); // autosense valid
      expect(keyAsc(r.sense), `${c.mode} ${c.cdb[0]}`).toEqual(c.want);
      backend.mode = 'ok';
      expect((await drv.scsiIo(0, 0, READ10, { dataIn: 1024 })).scsiStatus).toBe(0);
    }
  });

  it('through the BT-958: completion with error, target status CHECK CONDITION, sense in the CCB area', async () => {
    const backend = new FailingBackend();
    const hba = new Bt958({ targets: [{ id: 0, target: new ScsiDisk({ backend }) }] });
    const slot = new FakePciSlot(hba);
    hba.reset();
    const drv = new BusLogicTestDriver(slot);
    expect(drv.hardReset()).toBe(true);
    drv.init();
    await drv.ccb(0, 0, TUR);
    for (const c of CASES) {
      backend.mode = c.mode;
      const r = await drv.ccb(0, 0, c.cdb, c.out ? { dataOut: new Uint8Array(1024).fill(7) } : c.cdb === READ10 ? { dataIn: 1024 } : {});
      expect([r.completion, r.adapterStatus, r.targetStatus], `${c.mode} ${c.cdb[0]}`).toEqual([4, 0, 2]);
      expect(keyAsc(r.sense), `${c.mode} ${c.cdb[0]}`).toEqual(c.want);
      backend.mode = 'ok';
      expect((await drv.ccb(0, 0, READ10, { dataIn: 1024 })).completion).toBe(1);
    }
    expect(slot.irq.level).toBe(false);
  });
});
