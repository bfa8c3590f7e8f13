import type { MachineConfig } from './config/types.js';
import type { MachineOptions } from './machine.js';
import { MachineError } from './machine.js';

/**
 * The {@link MachineOptions} a configuration implies: the name from
 * `displayName` and the RAM size from `memsize`. Device wiring (which
 * chipset, disks, NICs) belongs to the preset that builds the PC.
 * @throws MachineError when `memsize` exceeds what a 32-bit machine can map (3584 MB)
 */
export function machineOptionsFromConfig(config: MachineConfig, extra: Omit<MachineOptions, 'name' | 'memoryMB'> = {}): MachineOptions {
  if (config.memsize > 3584) throw new MachineError(`memsize ${config.memsize} MB: a 32-bit machine maps at most 3584 MB of RAM`);
  return { ...extra, name: config.displayName || 'vm', memoryMB: config.memsize };
}
