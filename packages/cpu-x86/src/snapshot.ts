/**
 * Saving and restoring a {@link Cpu}'s architectural state as a named,
 * versioned {@link DeviceState} (`"cpu-x86"`, version 1).
 *
 * The TLB and decode state are caches and are not saved; the TSC is saved as
 * its value, so it continues from there against the restoring clock.
 *
 * @module
 */

import { StateError, type DeviceState, type StateRecord } from '@vm/bus';
import type { Cpu } from './cpu.js';

/** The state name. */
export const CPU_STATE_NAME = 'cpu-x86';
/** The state version. */
export const CPU_STATE_VERSION = 1;

const SCALARS = [
  'eip', 'cpl', 'cr0', 'cr2', 'cr3', 'cr4', 'gdtBase', 'gdtLimit', 'idtBase', 'idtLimit',
  'sysenterCs', 'sysenterEsp', 'sysenterEip', 'apicBase', 'a20Mask', 'runState', 'retired',
] as const;
const BOOLS = ['nmiPending', 'nmiBlocked', 'shadow', 'intrLevel', 'nmiLevel'] as const;
const ARRAYS = ['reg32', 'segSel', 'segBase', 'segLimit', 'segAr', 'dr', 'pdpte'] as const;

/** Capture `cpu`'s state. */
export function snapshotCpu(cpu: Cpu): DeviceState {
  const fields: Record<string, number | boolean | Int32Array> = {};
  for (const k of SCALARS) fields[k] = cpu[k];
  for (const k of BOOLS) fields[k] = cpu[k];
  for (const k of ARRAYS) fields[k] = Int32Array.from(cpu[k]);
  fields.eflags = cpu.getFlags();
  fields.tsc = cpu.clockTsc() + cpu.tscOffset;
  return { name: CPU_STATE_NAME, version: CPU_STATE_VERSION, fields: fields as StateRecord };
}

/** Replace `cpu`'s state with `state` (from {@link snapshotCpu}). */
export function restoreCpu(cpu: Cpu, state: DeviceState): void {
  if (state.name !== CPU_STATE_NAME) throw new StateError(`not a ${CPU_STATE_NAME} state: ${state.name}`);
  if (state.version !== CPU_STATE_VERSION) throw new StateError(`${CPU_STATE_NAME}: unsupported version ${state.version}`);
  const f = state.fields;
  const num = (k: string): number => {
    const v = f[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new StateError(`${CPU_STATE_NAME}: field ${k} is not a number`);
    return v;
  };
  const bool = (k: string): boolean => {
    const v = f[k];
    if (typeof v !== 'boolean') throw new StateError(`${CPU_STATE_NAME}: field ${k} is not a boolean`);
    return v;
  };
  const arr = (k: string, n: number): Int32Array => {
    const v = f[k];
    if (!(v instanceof Int32Array) || v.length !== n) throw new StateError(`${CPU_STATE_NAME}: field ${k} is not an Int32Array(${n})`);
    return v;
  };
  const regs = arr('reg32', 8);
  const sel = arr('segSel', 8);
  const base = arr('segBase', 8);
  const limit = arr('segLimit', 8);
  const ar = arr('segAr', 8);
  const dr = arr('dr', 8);
  const pdpte = arr('pdpte', 4);
  const rs = num('runState');
  if (rs !== 0 && rs !== 1 && rs !== 2) throw new StateError(`${CPU_STATE_NAME}: bad runState ${rs}`);
  cpu.reset();
  cpu.reg32.set(regs);
  cpu.dr.set(dr);
  cpu.pdpte.set(pdpte);
  cpu.eip = num('eip') | 0;
  cpu.cr0 = num('cr0') | 0;
  cpu.cr2 = num('cr2') | 0;
  cpu.cr3 = num('cr3') | 0;
  cpu.cr4 = num('cr4') | 0;
  cpu.gdtBase = num('gdtBase') | 0;
  cpu.gdtLimit = num('gdtLimit') & 0xffff;
  cpu.idtBase = num('idtBase') | 0;
  cpu.idtLimit = num('idtLimit') & 0xffff;
  cpu.sysenterCs = num('sysenterCs') & 0xffff;
  cpu.sysenterEsp = num('sysenterEsp') | 0;
  cpu.sysenterEip = num('sysenterEip') | 0;
  cpu.apicBase = num('apicBase') | 0;
  cpu.a20Mask = num('a20Mask') | 0;
  cpu.setFlags(num('eflags'));
  cpu.cpl = num('cpl') & 3;
  for (let s = 0; s < 8; s++) {
    cpu.segSel[s] = sel[s]! & 0xffff;
    cpu.segBase[s] = base[s]!;
    cpu.segLimit[s] = limit[s]!;
    cpu.segAr[s] = ar[s]!;
  }
  cpu.modeChanged();
  cpu.tscOffset = num('tsc') - cpu.clockTsc();
  cpu.runState = rs as 0 | 1 | 2;
  cpu.retired = num('retired');
  cpu.nmiPending = bool('nmiPending');
  cpu.nmiBlocked = bool('nmiBlocked');
  cpu.shadow = bool('shadow');
  cpu.intrLevel = bool('intrLevel');
  cpu.nmiLevel = bool('nmiLevel');
  cpu.setDr7(dr[7]!);
}
