import { PmapState } from '@vm/mmu';
import type { Pmap } from '@vm/mmu';

const PAGE = 4096;

/**
 * Guest RAM as saved in a machine snapshot: only pages that are not all
 * zero, each as 4 KiB in {@link data}, with its guest page number in
 * {@link pages}.
 */
export interface MemoryImage {
  /** Size of the pmap (guest pages). */
  readonly pageCount: number;
  /** Guest page numbers of the saved pages, ascending. */
  readonly pages: Int32Array;
  /** The saved pages' bytes, 4096 per entry of {@link pages}. */
  readonly data: Uint8Array;
}

function isZero(ram: Uint8Array, off: number): boolean {
  for (let i = off; i < off + PAGE; i++) if (ram[i] !== 0) return false;
  return true;
}

/** Copy every non-zero page of `pmap` (swapped pages are brought in to read them). */
export function captureMemory(pmap: Pmap): MemoryImage {
  const ram = pmap.pool.ram;
  const keep: number[] = [];
  for (let gp = 0; gp < pmap.pages; gp++) {
    if (pmap.stateOf(gp) === PmapState.Untouched) continue; // reads as zero, nothing to save
    if (!isZero(ram, pmap.readOffset(gp))) keep.push(gp);
  }
  const data = new Uint8Array(keep.length * PAGE);
  for (let i = 0; i < keep.length; i++) {
    const off = pmap.readOffset(keep[i]!);
    data.set(ram.subarray(off, off + PAGE), i * PAGE);
  }
  return { pageCount: pmap.pages, pages: Int32Array.from(keep), data };
}

/**
 * Put `image` back into `pmap`: saved pages are written, every other page
 * is released (it reads as zero again and gives its machine page back).
 * @throws RangeError for an image of another size or a malformed one
 */
export function restoreMemory(pmap: Pmap, image: MemoryImage): void {
  if (image.pageCount !== pmap.pages) throw new RangeError(`memory image has ${image.pageCount} pages, this machine ${pmap.pages}`);
  if (!(image.pages instanceof Int32Array) || !(image.data instanceof Uint8Array) || image.data.length !== image.pages.length * PAGE)
    throw new RangeError('memory image: pages and data do not match');
  let prev = -1;
  for (const gp of image.pages) {
    if (gp <= prev || gp >= pmap.pages) throw new RangeError(`memory image: bad page ${gp}`);
    prev = gp;
  }
  const ram = pmap.pool.ram;
  let next = 0;
  for (let gp = 0; gp < pmap.pages; gp++) {
    if (next < image.pages.length && image.pages[next] === gp) {
      const off = pmap.writableOffset(gp);
      ram.set(image.data.subarray(next * PAGE, (next + 1) * PAGE), off);
      next++;
    } else {
      pmap.releasePage(gp);
    }
  }
}
