import { expect, it, vi } from 'vitest';
import { MemoryFileSystem, commitRedo, createDisk, diskInfo, openDisk } from './index.js';

it('runs the README snippet', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const fs = new MemoryFileSystem(); // or: new NodeFileSystem() from '@vm/vdisk/node'
  const disk = await createDisk(fs, 'vm/disk.vmdk', { size: 16 * 2 ** 30 }); // 16 GiB, sparse
  await disk.write(2048, new Uint8Array(512).fill(0xaa));
  await disk.close();

  // Undoable mode: writes go to vm/disk.vmdk.REDO (copy-on-write per 64 KiB grain).
  const undoable = await openDisk(fs, 'vm/disk.vmdk', { mode: 'undoable' });
  await undoable.write(0, new Uint8Array(1024).fill(0x55));
  await undoable.close();
  console.log((await diskInfo(fs, 'vm/disk.vmdk.REDO')).parentFileNameHint); // "disk.vmdk"

  await commitRedo(fs, 'vm/disk.vmdk', { onProgress: (done, total) => console.log(`${done}/${total}`) }); // "128/128"
  const info = await diskInfo(fs, 'vm/disk.vmdk');
  console.log(info.createType, info.capacityBytes, info.extents[0]!.allocatedGrains); // monolithicSparse 17179869184 2

  expect(log.mock.calls).toEqual([['disk.vmdk'], ['128/128'], ['monolithicSparse', 17179869184, 2]]);
  log.mockRestore();
});
