/**
 * Tiny real-mode guest programs as 64 KiB system ROM images, for testing
 * hosts without booting an operating system.
 *
 * @module
 */

/** Bytes that print `text` on COM1 (0x3F8), one `OUT DX, AL` per byte. */
export function printCode(text: string): number[] {
  const out = [0xba, 0xf8, 0x03]; // mov dx, 0x3f8
  for (const ch of Buffer.from(text, 'latin1')) out.push(0xb0, ch, 0xee); // mov al, ch; out dx, al
  return out;
}

/**
 * A 64 KiB system ROM whose reset vector jumps to `code` at F000:0000
 * (real mode, CS base 0xF0000). `data` is placed at ROM offset 0x8000
 * (F000:8000).
 */
export function realModeRom(code: readonly number[], data: readonly number[] = []): Uint8Array {
  if (code.length > 0x8000) throw new RangeError('test ROM code is larger than 32 KiB');
  const rom = new Uint8Array(0x10000);
  rom.set(code, 0);
  rom.set(data, 0x8000);
  rom.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0); // jmp far F000:0000
  return rom;
}

/** A piece of a program for {@link assemble}: bytes, a label, or a short jump to a label. */
export type AsmPart = readonly number[] | { readonly label: string } | { readonly jump: readonly number[]; readonly to: string };

/** Lay out `parts`, resolving short (rel8) jumps to labels. */
export function assemble(parts: readonly AsmPart[]): number[] {
  const labels = new Map<string, number>();
  let at = 0;
  for (const p of parts) {
    if ('label' in p) labels.set(p.label, at);
    else if ('jump' in p) at += p.jump.length + 1;
    else at += p.length;
  }
  const out: number[] = [];
  for (const p of parts) {
    if ('label' in p) continue;
    if ('jump' in p) {
      const target = labels.get(p.to);
      if (target === undefined) throw new Error(`no label ${p.to}`);
      const rel = target - (out.length + p.jump.length + 1);
      if (rel < -128 || rel > 127) throw new RangeError(`jump to ${p.to} is too far (${rel})`);
      out.push(...p.jump, rel & 0xff);
    } else out.push(...p);
  }
  return out;
}

const u32 = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];

/** Ready-made guest programs. */
export const TestGuests = {
  /** Prints "UP\n", then loops forever (CPU-bound: one instruction per iteration). */
  spin(): Uint8Array {
    return realModeRom([...printCode('UP\n'), 0xeb, 0xfe]);
  },
  /** Prints "READY\n", then echoes every byte received on COM1 (polling the line status register). */
  echo(): Uint8Array {
    // L: mov dx,0x3fd; in al,dx; test al,1; jz L; mov dx,0x3f8; in al,dx; out dx,al; jmp L
    const loop = [0xba, 0xfd, 0x03, 0xec, 0xa8, 0x01, 0x74, 0xf8, 0xba, 0xf8, 0x03, 0xec, 0xee, 0xeb, 0xf1];
    return realModeRom([...printCode('READY\n'), ...loop]);
  },
  /**
   * Prints "T", then triple-faults: protected mode with an empty IDT and an
   * INT3. A PC resets, so the guest loops: prints "T" and faults again.
   */
  tripleFault(): Uint8Array {
    const code = [
      ...printCode('T'),
      0x2e, 0x0f, 0x01, 0x1e, 0x00, 0x80, // lidt cs:[0x8000] (limit 0, base 0)
      0x0f, 0x20, 0xc0, // mov eax, cr0
      0x66, 0x83, 0xc8, 0x01, // or eax, 1
      0x0f, 0x22, 0xc0, // mov cr0, eax
      0xcc, // int3: #GP, #DF, shutdown
      0xeb, 0xfe,
    ];
    return realModeRom(code, [0, 0, 0, 0, 0, 0]);
  },
  /**
   * Prints `text`, then powers the PC off through the PIIX4's ACPI block
   * (PMBASE 0xB000 enabled in PCI config, then SLP_TYP S5 with SLP_EN).
   */
  helloPowerOff(text: string): Uint8Array {
    const code = [
      ...printCode(text),
      0xba, 0xf8, 0x0c, 0x66, 0xb8, 0x40, 0x0b, 0x00, 0x80, 0x66, 0xef, // PCI 00:01.3 reg 0x40 (PMBASE)
      0xba, 0xfc, 0x0c, 0x66, 0xb8, 0x01, 0xb0, 0x00, 0x00, 0x66, 0xef, // = 0xB001
      0xba, 0xf8, 0x0c, 0x66, 0xb8, 0x80, 0x0b, 0x00, 0x80, 0x66, 0xef, // reg 0x80 (PMREGMISC)
      0xba, 0xfc, 0x0c, 0xb0, 0x01, 0xee, // = 1: PM I/O on
      0xba, 0x05, 0xb0, 0xb0, 0x20, 0xee, // PM1a_CNT high byte: SLP_EN, SLP_TYP 0 (S5)
      0xeb, 0xfe,
    ];
    return realModeRom(code);
  },
  /**
   * A memory checksum workload: fills 0x10000..0x8FFFF with a sequence
   * seeded by `seed` (so every VM's pages differ), then verifies it over
   * and over, printing "OK\n" after each good pass and "BAD\n" (then
   * halting) at the first wrong dword.
   */
  checksum(seed: number): Uint8Array {
    const K = u32(0x9e3779b1);
    const code = assemble([
      [0xbb, 0x00, 0x10, 0x66, 0xb8, ...u32(seed)], // mov bx, 0x1000; mov eax, seed
      { label: 'f1' },
      [0x8e, 0xc3, 0x31, 0xff, 0xb9, 0x00, 0x40, 0xfc], // mov es, bx; xor di, di; mov cx, 0x4000; cld
      { label: 'f2' },
      [0x66, 0xab, 0x66, 0x05, ...K], // stosd; add eax, K
      { jump: [0xe2], to: 'f2' }, // loop
      [0x81, 0xc3, 0x00, 0x10, 0x81, 0xfb, 0x00, 0x90], // add bx, 0x1000; cmp bx, 0x9000
      { jump: [0x72], to: 'f1' },
      { label: 'v0' },
      [0xbb, 0x00, 0x10, 0x66, 0xb8, ...u32(seed)],
      { label: 'v1' },
      [0x8e, 0xc3, 0x31, 0xff, 0xb9, 0x00, 0x40],
      { label: 'v2' },
      [0x26, 0x66, 0x3b, 0x05], // cmp eax, es:[di]
      { jump: [0x75], to: 'bad' },
      [0x83, 0xc7, 0x04, 0x66, 0x05, ...K], // add di, 4; add eax, K
      { jump: [0xe2], to: 'v2' },
      [0x81, 0xc3, 0x00, 0x10, 0x81, 0xfb, 0x00, 0x90],
      { jump: [0x72], to: 'v1' },
      printCode('OK\n'),
      { jump: [0xeb], to: 'v0' },
      { label: 'bad' },
      printCode('BAD\n'),
      { label: 'halt' },
      [0xfa, 0xf4],
      { jump: [0xeb], to: 'halt' },
    ]);
    return realModeRom(code);
  },
  /**
   * A balloon driver in miniature, speaking vmw_balloon's protocol on port
   * 0x5670: START, then forever GET_TARGET and LOCK frames 0x100, 0x101, ...
   * until the balloon holds the target.
   */
  balloon(): Uint8Array {
    const M = u32(0x456c6d6f);
    const code = assemble([
      [0x66, 0xb8, ...M, 0x66, 0x31, 0xc9, 0x66, 0xbb, ...u32(6), 0xba, 0x70, 0x56, 0x66, 0xed], // START(basic, batched)
      [0x31, 0xed], // xor bp, bp: frames locked
      { label: 'poll' },
      [0x66, 0xb8, ...M, 0x66, 0xb9, ...u32(1), 0x66, 0xbb, ...u32(0x400), 0xba, 0x70, 0x56, 0x66, 0xed], // GET_TARGET -> ebx
      [0x39, 0xdd], // cmp bp, bx
      { jump: [0x73], to: 'poll' }, // jae: the balloon is big enough
      [0x66, 0xb8, ...M, 0x66, 0xb9, ...u32(2), 0x89, 0xeb, 0x81, 0xc3, 0x00, 0x01, 0xba, 0x70, 0x56, 0x66, 0xed], // LOCK(0x100 + bp)
      [0x45], // inc bp
      { jump: [0xeb], to: 'poll' },
    ]);
    return realModeRom(code);
  },
  /**
   * Sleeps on timer interrupts: programs the 8259s and the 8254 (counter 0,
   * rate generator, 65536 counts = 54.9 ms), then halts until `ticks`
   * interrupts have come and prints "T\n", for ever. A guest that is idle
   * nearly all the time, to check that halted time passes for it in full.
   */
  ticker(ticks: number): Uint8Array {
    const code = assemble([
      [0xfa, 0x31, 0xc0, 0x8e, 0xd8, 0x8e, 0xd0, 0xbc, 0x00, 0x7c], // cli; xor ax,ax; mov ds,ax; mov ss,ax; mov sp,0x7c00
      [0xb0, 0x11, 0xe6, 0x20, 0xb0, 0x08, 0xe6, 0x21, 0xb0, 0x04, 0xe6, 0x21, 0xb0, 0x01, 0xe6, 0x21], // master 8259: vectors 8..15
      [0xb0, 0xfe, 0xe6, 0x21], // only IRQ0
      [0xc7, 0x06, 0x20, 0x00, 0x00, 0x01, 0xc7, 0x06, 0x22, 0x00, 0x00, 0xf0], // IVT[8] = F000:0100
      [0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x00, 0xe6, 0x40, 0xe6, 0x40], // PIT counter 0: mode 2, count 65536
      { label: 'again' },
      [0xc7, 0x06, 0x00, 0x05, 0x00, 0x00], // mov word [0x500], 0
      [0xfb], // sti
      { label: 'wait' },
      [0xf4, 0x81, 0x3e, 0x00, 0x05, ticks & 0xff, (ticks >>> 8) & 0xff], // hlt; cmp word [0x500], ticks
      { jump: [0x72], to: 'wait' },
      printCode('T\n'),
      { jump: [0xeb], to: 'again' },
    ]);
    // The IRQ0 handler at F000:0100: count, EOI, return.
    const handler = [0xff, 0x06, 0x00, 0x05, 0x50, 0xb0, 0x20, 0xe6, 0x20, 0x58, 0xcf]; // inc word [0x500]; push ax; mov al,0x20; out 0x20,al; pop ax; iret
    if (code.length > 0x100) throw new RangeError('ticker code overlaps its handler');
    const all = new Array<number>(0x100 + handler.length).fill(0x90);
    all.splice(0, code.length, ...code);
    all.splice(0x100, handler.length, ...handler);
    return realModeRom(all);
  },
  /**
   * Fills 0x10000..0x8FFFF (128 pages) with the dword `pattern`, prints
   * "FILLED\n" and halts with interrupts off (idle for good).
   */
  fill(pattern = 0xa5a5a5a5): Uint8Array {
    const p = [pattern & 0xff, (pattern >>> 8) & 0xff, (pattern >>> 16) & 0xff, (pattern >>> 24) & 0xff];
    const code = [
      0xbb, 0x00, 0x10, // mov bx, 0x1000
      0x8e, 0xc3, // L: mov es, bx
      0x31, 0xff, // xor di, di
      0xb9, 0x00, 0x40, // mov cx, 0x4000
      0x66, 0xb8, ...p, // mov eax, pattern
      0xfc, // cld
      0xf3, 0x66, 0xab, // rep stosd
      0x81, 0xc3, 0x00, 0x10, // add bx, 0x1000
      0x81, 0xfb, 0x00, 0x90, // cmp bx, 0x9000
      0x72, 0xe5, // jb L
      ...printCode('FILLED\n'),
      0xfa, 0xf4, 0xeb, 0xfd, // cli; hlt; jmp hlt
    ];
    return realModeRom(code);
  },
} as const;
