/**
 * What the VMware backdoor needs from the CPU: a hypercall is an `IN` from a
 * magic port with arguments in the general registers, and the answer comes
 * back in several of them, not just the one the `IN` loads.
 *
 * @module
 */

/** General registers of the calling vCPU, in x86 encoding order. */
export interface BackdoorRegisters {
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI (as the CPU's register file). */
  readonly reg32: Int32Array;
}

/** Register numbers in {@link BackdoorRegisters.reg32}. */
export const Reg = { eax: 0, ecx: 1, edx: 2, ebx: 3, esi: 6, edi: 7 } as const;

/**
 * The caller's registers when a 32-bit `IN` at port offset `offset` is a
 * hypercall for `magic` (EAX holds it); null for anything else, which the
 * port answers with all ones.
 */
export function hypercallRegisters(registers: () => BackdoorRegisters | null, offset: number, magic: number): Int32Array | null {
  if (offset !== 0) return null;
  const r = registers();
  if (r === null || r.reg32[Reg.eax] !== magic) return null;
  return r.reg32;
}
