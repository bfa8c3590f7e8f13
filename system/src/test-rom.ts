/**
 * Tiny firmware images for hostile-guest tests: `code` is placed at the
 * start of a 64 KiB ROM (F000:0000 once mapped below 1 MiB) and the reset
 * vector at F000:FFF0 jumps there. The CPU starts in real mode.
 */
export function testRom(code: readonly number[]): Uint8Array {
  const rom = new Uint8Array(0x10000).fill(0xf4); // HLT everywhere else
  rom.set(code, 0);
  // F000:FFF0: JMP FAR F000:0000
  rom.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0);
  return rom;
}

/** `CLI; JMP $`: spins forever with interrupts off. */
export const SPIN_WITH_INTERRUPTS_OFF = [0xfa, 0xeb, 0xfe];

/** Load an empty IDT (limit 0) and divide by zero: #DE -> #GP... -> triple fault. */
export const TRIPLE_FAULT = [
  0x66, 0x31, 0xc0, // xor eax, eax
  0x2e, 0x0f, 0x01, 0x1e, 0x10, 0x00, // lidt cs:[0x0010]
  0xf6, 0xf0, // div al  (#DE with no usable IDT)
  0xeb, 0xfe, // jmp $ (never reached)
  0x90, 0x90, 0x90,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // at 0x10: IDT limit 0, base 0
];

/**
 * Writes pseudo-random bytes to every port 0..0xFFFF (and reads each back),
 * then does the same with 16-bit and 32-bit accesses, then spins. A linear
 * congruential generator in BX makes the values.
 */
export const GARBAGE_TO_EVERY_PORT = [
  0x31, 0xd2, // xor dx, dx
  0xbb, 0x34, 0x12, // mov bx, 0x1234
  // loop:
  0x89, 0xd8, // mov ax, bx
  0xee, // out dx, al
  0xef, // out dx, ax
  0x66, 0xef, // out dx, eax
  0xec, // in al, dx
  0xed, // in ax, dx
  0x66, 0xed, // in eax, dx
  0x69, 0xdb, 0x6d, 0x4e, // imul bx, bx, 0x4e6d
  0x83, 0xc3, 0x39, // add bx, 0x39
  0x42, // inc dx
  0x75, 0xeb, // jnz loop
  0xfa, 0xeb, 0xfe, // cli; jmp $
];
