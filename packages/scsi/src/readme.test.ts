import { expect, it } from 'vitest';
import { RamBlockBackend } from '@vm/bus/test';
import { Lsi53c1030, ScsiDisk } from './index.js';
import { FakePciSlot, MptTestDriver } from './test/index.js';

it('runs the README snippet', async () => {
  const backend = new RamBlockBackend(2048);
  const hba = new Lsi53c1030({ targets: [{ id: 0, target: new ScsiDisk({ backend }) }] });
  const slot = new FakePciSlot(hba);
  hba.reset();
  const driver = new MptTestDriver(slot);
  driver.init();
  await driver.scsiIo(0, 0, [0x00, 0, 0, 0, 0, 0]);
  const inquiry = await driver.scsiIo(0, 0, [0x12, 0, 0, 0, 36, 0], { dataIn: 36 });
  expect(new TextDecoder().decode(inquiry.data.subarray(8, 32))).toBe('VMware  Virtual disk    ');
});
