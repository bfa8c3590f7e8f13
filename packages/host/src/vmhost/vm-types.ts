/**
 * What the host's API says about VMs and itself: plain JSON-ready data.
 *
 * @module
 */

/** Power state of a VM on the host: `paused` keeps it in memory without CPU; `suspended` is saved to disk (its worker and memory are gone). */
export type VmPowerState = 'off' | 'starting' | 'on' | 'paused' | 'suspending' | 'suspended' | 'stopping' | 'crashed';

/** A VM as listed by the host. */
export interface VmInfo {
  /** Name (the id used by every command). */
  readonly name: string;
  /** The `.vmx` path, or null. */
  readonly vmx: string | null;
  /** Power state. */
  readonly state: VmPowerState;
  /** Guest memory, MB. */
  readonly memsizeMB: number;
  /** CPU shares (resolved), reservation and limit (percent of a physical CPU). */
  readonly cpu: { readonly shares: number; readonly minPct: number; readonly maxPct: number | null };
  /** Memory shares, reservation (MB). */
  readonly mem: { readonly shares: number; readonly minMB: number };
  /** Resets since power-on. */
  readonly resets: number;
  /** Why it last powered off or crashed. */
  readonly lastEvent: string | null;
}

/** One statistics sample of a VM. */
export interface VmSample {
  /** Host time of the sample, ms since the host started. */
  readonly t: number;
  /** CPU used in the last second of real time before the sample, percent of one physical CPU (a limit holds in every such second). */
  readonly cpuUsedPct: number;
  /** Ready time since the previous sample, percent of the interval. */
  readonly cpuReadyPct: number;
  /** Total CPU used and ready time since power-on, ms. */
  readonly cpuUsedMs: number;
  readonly cpuReadyMs: number;
  /** CPU entitlement, percent of one physical CPU. */
  readonly entitlementPct: number;
  /** Guest instructions retired since power-on (the guest's own progress). */
  readonly retired: number;
  /** Guest virtual time, ns. */
  readonly guestNs: number;
  /** Memory in MB: the scheduler's target (granted), resident, shared (copy-on-write), ballooned, swapped, active (estimated). */
  readonly mem: {
    readonly grantedMB: number;
    readonly residentMB: number;
    readonly sharedMB: number;
    readonly balloonedMB: number;
    readonly balloonTargetMB: number;
    readonly swappedMB: number;
    readonly activeMB: number;
    readonly zeroPages: number;
  };
}

/** One statistics sample of the host. */
export interface HostSample {
  /** Host time, ms since start. */
  readonly t: number;
  /** Machine memory, MB: pool size, used, free. */
  readonly poolMB: number;
  readonly usedMB: number;
  readonly freeMB: number;
  /** Guest pages backed by shared machine pages, and the machine pages backing them (MB). */
  readonly sharedGuestMB: number;
  readonly sharedMachineMB: number;
  /** Guest memory of powered-on VMs, MB, and the ratio of machine memory used to it. */
  readonly guestMB: number;
  /** CPU used by all VMs in the last second before the sample, percent of one physical CPU. */
  readonly cpuUsedPct: number;
  /** VMs powered on. */
  readonly vmsOn: number;
}
