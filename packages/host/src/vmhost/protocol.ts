/**
 * Messages between the host (main thread) and a VM's worker thread. Plain
 * structured-clone data; shared memory (the page pool, NIC rings) travels
 * as SharedArrayBuffers.
 *
 * @module
 */

import type { MachineConfig } from '@vm/machine';
import type { SharedPoolHandle } from '@vm/mmu';
import type { RemotePortChannel } from '@vm/vmnet';
import type { RunOptions } from '../cli/run-args.js';

/** Everything a worker needs to build and run its VM. */
export interface VmSpec {
  /** Host-wide VM id (its name). */
  readonly id: string;
  /** A small number unique on the host (page-sharing hint owner). */
  readonly owner: number;
  /** The parsed `.vmx`, or null for a command-line VM. */
  readonly config: MachineConfig | null;
  /** Folder of the `.vmx` (relative file names). */
  readonly baseDir: string;
  /** Command-line settings (kernel, firmware, memory override); `serial` is ignored. */
  readonly options: RunOptions;
  /** The host's machine-page pool. */
  readonly pool: SharedPoolHandle;
  /** The VM's swap file and its size in pages (0: no swapping). */
  readonly swapPath: string | null;
  readonly swapPages: number;
  /** NIC channels by ethernetN index (null: unplugged). */
  readonly nics: readonly { readonly index: number; readonly virtualDev: 'vlance' | 'e1000'; readonly mac: Uint8Array; readonly channel: RemotePortChannel | null }[];
  /** Present the VMware backdoor and balloon (and the CPUID hypervisor leaf). */
  readonly vmware: boolean;
  /** What a triple fault does. */
  readonly onTripleFault: 'reset' | 'power-off';
  /** Page-sharing scan rate, pages per second (0: off). */
  readonly scanPagesPerSec: number;
  /** Sample active memory by write logging. */
  readonly sampleActive: boolean;
  /** Resume from this checkpoint file (a suspended VM), or null. */
  readonly resumeFrom?: string | null;
  /** Honour test-only messages. */
  readonly testHooks?: boolean;
}

/** Memory instructions from the host's memory scheduler. */
export interface MemoryOrders {
  /** Balloon target in pages. */
  readonly balloonPages: number;
  /** Pages to swap out now (0: none). */
  readonly swapOutPages: number;
  /** Page-sharing scan rate for this VM now, pages per second. */
  readonly scanPagesPerSec: number;
}

/** Host -> worker. */
export type ToWorker =
  | { readonly type: 'grant'; readonly ms: number }
  | { readonly type: 'console-in'; readonly bytes: Uint8Array }
  | { readonly type: 'power-button' }
  | { readonly type: 'reset' }
  | { readonly type: 'pause' }
  | { readonly type: 'unpause' }
  /** Suspend to disk: save the whole machine to `path`, then stop. */
  | { readonly type: 'checkpoint'; readonly path: string }
  | { readonly type: 'memory'; readonly orders: MemoryOrders }
  | { readonly type: 'stop' }
  /** Tests of the host's watchdog only: make the worker stop answering (honoured with {@link VmSpec.testHooks}). */
  | { readonly type: 'test-hang' };

/** Memory statistics of one VM, in pages. */
export interface VmMemoryStats {
  readonly sizePages: number;
  readonly residentPages: number;
  readonly sharedPages: number;
  readonly swappedPages: number;
  readonly balloonPages: number;
  readonly balloonTarget: number;
  readonly balloonDriver: boolean;
  /** Fraction of pages written in the last sample period (0..1). */
  readonly active: number;
  readonly zeroPages: number;
  readonly scanned: number;
}

/** Worker -> host. */
export type FromWorker =
  | { readonly type: 'ready'; readonly pmap: { readonly state: SharedArrayBuffer; readonly frame: SharedArrayBuffer } }
  | { readonly type: 'error'; readonly message: string }
  | { readonly type: 'ran'; readonly usedMs: number; readonly next: 'ready' | 'halted' | 'off'; readonly retired: number; readonly guestNs: number }
  | { readonly type: 'wake' }
  | { readonly type: 'console-out'; readonly bytes: Uint8Array }
  | { readonly type: 'power-off'; readonly reason: string; readonly code: number }
  | { readonly type: 'reset'; readonly count: number; readonly reason: string }
  | { readonly type: 'memory'; readonly stats: VmMemoryStats }
  | { readonly type: 'log'; readonly message: string }
  | { readonly type: 'checkpointed'; readonly path: string; readonly bytes: number }
  | { readonly type: 'checkpoint-failed'; readonly message: string }
  | { readonly type: 'stopped' };
