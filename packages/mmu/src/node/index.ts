/**
 * `@vm/mmu/node`: the Node-only parts of the memory system (host files).
 *
 * @packageDocumentation
 */

export { FileSwapStore } from './file-swap-store.js';
