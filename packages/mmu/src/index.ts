/**
 * `@vm/mmu`: guest-physical memory for vm. A region tree (RAM, ROM, MMIO,
 * alias, with priorities) flattened into a per-page table; the port I/O
 * table; the machine-page pool shared by all VMs, each VM's pmap (guest page
 * -> machine page) with copy-on-write sharing, swap and balloon hooks; dirty
 * logging and write watching; and a translation cache showing the fast path.
 *
 * Node-only parts (a file-backed swap store) are in `@vm/mmu/node`.
 *
 * @packageDocumentation
 */

export { GUEST_PAGES, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PageKind } from './constants.js';
export { MachinePagePool, MAX_POOL_BYTES, PoolExhaustedError, ZERO_PAGE } from './page-pool.js';
export type { MachinePagePoolOptions, SharedPoolHandle } from './page-pool.js';
export { PageSharingScanner } from './page-sharing-scanner.js';
export type { PageSharingStats } from './page-sharing-scanner.js';
export { Pmap, PmapState, SwapIntegrityError } from './pmap.js';
export type { PmapListener, PmapOptions } from './pmap.js';
export { sharePages, samePage } from './page-sharing.js';
export { PageHasher, hashPage } from './page-hash.js';
export { MemorySwapStore, SwapSlotAllocator } from './swap-store.js';
export type { SwapStore } from './swap-store.js';
export { RegionKind } from './region.js';
export type { Region } from './region.js';
export { MmioRegionHandle, RegionHandle, RomHandle } from './handles.js';
export type { RegionOwner } from './handles.js';
export { PhysicalAddressSpace } from './physical-address-space.js';
export type { PhysicalAddressSpaceOptions, RamOptions, RegionInfo, RomOptions } from './physical-address-space.js';
export { PortSpace } from './port-space.js';
export { PhysTlb } from './phys-tlb.js';
export { createAddressSpace } from './create.js';
export type { CreateAddressSpaceOptions } from './create.js';
