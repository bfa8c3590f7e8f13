import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestMachine, enterFlatProtectedMode, getRegs, loadBytes, runUntilHalt, type TestMachine } from '../test/index.js';

const d32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

function flat(engine: 'interpreter' | 'translator', code: number[], options: { maxBlocks?: number; threshold?: number } = {}): TestMachine {
  const m = createTestMachine({ ramSize: 0x200000, engine, translator: { threshold: 0, ...options } });
  enterFlatProtectedMode(m.cpu);
  loadBytes(m.memory, 0x1000, code);
  m.cpu.eip = 0x1000;
  m.cpu.reg32[4] = 0x80000;
  return m;
}

/** Wake the halted CPU at `eip` and run it to the next HLT. */
function rerunAt(m: TestMachine, eip: number): void {
  m.cpu.eip = eip;
  m.cpu.runState = 0;
  runUntilHalt(m.cpu);
}

/** A GDT at 0xa000: flat code at 0x08, flat data at 0x10, then the `more` descriptors (low, high dwords) from 0x18. */
function gdt(m: TestMachine, more: [number, number][] = []): void {
  const descs: [number, number][] = [[0x0000ffff, 0x00cf9b00], [0x0000ffff, 0x00cf9300], ...more];
  descs.forEach(([lo, hi], i) => {
    m.memory.write32(0xa008 + i * 8, lo);
    m.memory.write32(0xa00c + i * 8, hi);
  });
  m.cpu.gdtBase = 0xa000;
  m.cpu.gdtLimit = 8 * descs.length + 7;
}

/** #PF -> HLT at 0x3000; paging on with an identity map of the first 4 MiB, page `hole` not present. */
function pagingWithHole(m: TestMachine, hole: number): void {
  const mem = m.memory;
  // the #PF gate uses the flat code descriptor
  gdt(m);
  m.cpu.idtBase = 0x2000;
  m.cpu.idtLimit = 0xff;
  mem.write32(0x2000 + 14 * 8, (0x08 << 16) | 0x3000);
  mem.write32(0x2000 + 14 * 8 + 4, 0x8e00);
  mem.write8(0x3000, 0xf4);
  mem.write32(0x4000, 0x5000 | 3);
  for (let i = 0; i < 1024; i++) mem.write32(0x5000 + i * 4, i === hole ? 0 : (i << 12) | 3);
  m.cpu.cr3 = 0x4000;
  m.cpu.cr0 |= 0x80000000;
  m.cpu.flushTlbAll();
}

type EndState = ReturnType<typeof getRegs> & { cr2: number; retired: number; err: number };

/** Run `code` to HLT on both engines with page 0x1ff not present: registers, CR2, retired count and the dword at ESP (a fault's error code). */
function onBothEnginesWithHole(code: number[]): { a: EndState; b: EndState } {
  const run = (engine: 'interpreter' | 'translator'): EndState => {
    const m = flat(engine, code);
    pagingWithHole(m, 0x1ff);
    runUntilHalt(m.cpu);
    return { ...getRegs(m.cpu), cr2: m.cpu.cr2 >>> 0, retired: m.cpu.retired, err: m.memory.read32(m.cpu.reg32[4]! >>> 0) };
  };
  return { a: run('interpreter'), b: run('translator') };
}

describe('block translator', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('is the default engine and runs hot loops compiled', () => {
    // mov ecx,1000; L: add eax,ecx; dec ecx; jnz L; hlt
    const m = flat('translator', [0xb9, ...d32(1000), 0x01, 0xc8, 0x49, 0x75, 0xfb, 0xf4]);
    expect(createTestMachine().cpu.jit).not.toBeNull();
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(500500);
    const s = m.cpu.jitStats!;
    expect(s.jitInstructions).toBeGreaterThan(2900);
    // the loop's jumps stay inside its page's region: few look-ups for 1000 iterations
    expect(s.hits + s.misses).toBeLessThan(50);
    expect(s.compiled).toBeGreaterThan(0);
    expect(m.cpu.retired).toBe(1 + 3 * 1000 + 1);
  });

  it('falls back to the interpreter alone where code generation is not allowed', () => {
    vi.stubGlobal('Function', function NoEval() {
      throw new EvalError('code generation from strings disallowed');
    });
    const m = flat('translator', [0xb8, ...d32(7), 0x40, 0xf4]);
    expect(m.cpu.jit).toBeNull();
    expect(m.cpu.jitStats).toBeNull();
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(8);
  });

  it('sees self-modifying code: a store into the running block changes the next instruction', () => {
    // L: mov byte [patch], 0x40 (inc eax) ; patch: nop ; dec ecx ; jnz L ; hlt  -- run twice, compiled
    const patch = 0x1000 + 7;
    const code = [0xc6, 0x05, ...d32(patch), 0x40, 0x90, 0x49, 0x75, 0xf5, 0xf4];
    for (const engine of ['interpreter', 'translator'] as const) {
      const m = flat(engine, code);
      m.cpu.reg32[1] = 5;
      runUntilHalt(m.cpu);
      // the first pass already executes the patched INC
      expect(m.cpu.reg32[0], engine).toBe(5);
      expect(m.cpu.retired, engine).toBe(4 * 5 + 1);
    }
  });

  it('keeps translations when only write protection changes (dirty logging), drops them when the backing changes', () => {
    const m = flat('translator', [0xb9, ...d32(100), 0x49, 0x75, 0xfd, 0xf4]);
    runUntilHalt(m.cpu);
    const before = m.cpu.jitStats!.compiled;
    expect(before).toBeGreaterThan(0);
    m.cpu.mappingChanged(-1, true);
    expect(m.cpu.jitStats!.compiled).toBe(before);
    m.cpu.mappingChanged(-1);
    expect(m.cpu.jitStats!.compiled).toBe(0);
  });

  it('drops translations when a device writes the code page (DMA)', () => {
    // mov eax, 1 ; hlt
    const m = flat('translator', [0xb8, ...d32(1), 0xf4]);
    runUntilHalt(m.cpu);
    rerunAt(m, 0x1000);
    expect(m.cpu.jitStats!.compiled).toBeGreaterThan(0);
    // a DMA write replaces the immediate
    m.memory.write(0x1001, Uint8Array.of(...d32(42)));
    rerunAt(m, 0x1000);
    expect(m.cpu.reg32[0]).toBe(42);
    expect(m.cpu.jitStats!.invalidated).toBeGreaterThan(0);
  });

  it('keeps the cache bounded and reports it', () => {
    // 200 blocks: each "inc eax; jmp next" -- more than maxBlocks
    const code: number[] = [];
    for (let i = 0; i < 200; i++) code.push(0x40, 0xeb, 0x00);
    code.push(0xf4);
    const m = flat('translator', code, { maxBlocks: 32 });
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(200);
    const s = m.cpu.jitStats!;
    expect(s.blocks).toBeLessThanOrEqual(32);
    expect(s.flushes).toBeGreaterThan(0);
  });

  it('when full, drops the blocks that never got hot before it flushes compiled ones', () => {
    // a hot loop (compiled), then 200 straight blocks that run once each
    const code: number[] = [0xb9, ...d32(100), 0x49, 0x75, 0xfd];
    for (let i = 0; i < 200; i++) code.push(0x40, 0xeb, 0x00);
    code.push(0xf4);
    const m = flat('translator', code, { maxBlocks: 32, threshold: 10 });
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(200);
    const s = m.cpu.jitStats!;
    expect(s.blocks).toBeLessThanOrEqual(32);
    expect(s.flushes).toBe(0);
    expect(s.compiled).toBeGreaterThan(0); // the loop's region survived
  });

  it('runs calls and returns inside one region, and a fault after many in-region jumps leaves the interpreter state', () => {
    // 1000: mov ecx,50 ; L: call F ; dec ecx ; jnz L ; hlt
    // F: add eax,[ebx] ; add ebx,4 ; ret   (EBX walks up to a not-present page: #PF mid-loop)
    const run = (engine: 'interpreter' | 'translator'): ReturnType<typeof getRegs> & { cr2: number; retired: number; lookups: number } => {
      const m = flat(engine, [0xb9, ...d32(50), 0xe8, ...d32(4), 0x49, 0x75, 0xf8, 0xf4, 0x03, 0x03, 0x83, 0xc3, 0x04, 0xc3], { threshold: 4 });
      for (let i = 0; i < 0x100; i++) m.memory.write32(0x10f80 + i * 4, i + 1);
      m.cpu.reg32[3] = 0x10f80; // 32 loads fit before page 0x11
      pagingWithHole(m, 0x11);
      runUntilHalt(m.cpu);
      const s = m.cpu.jitStats;
      return { ...getRegs(m.cpu), cr2: m.cpu.cr2 >>> 0, retired: m.cpu.retired, lookups: s === null ? 0 : s.hits + s.misses };
    };
    const a = run('interpreter');
    const b = run('translator');
    expect({ ...b, lookups: 0 }).toEqual({ ...a, lookups: 0 });
    expect(a.cr2).toBe(0x11000);
    expect(a.eax).toBe((32 * 33) / 2);
    expect(b.lookups).toBeLessThan(40); // 32 calls and returns did not each go through the dispatcher
  });

  it('enters a region through the jump cache only while the TLB maps its EIP to the same physical code', () => {
    // linear page 8 maps to physical 0x6000 (adds 1 to EAX 100 times), then to 0x7000 (adds 2): same EIPs
    const loop = (k: number): number[] => [0xb9, ...d32(100), 0x83, 0xc0, k, 0x49, 0x75, 0xfa, 0xf4];
    const m = flat('translator', [0xf4]);
    loadBytes(m.memory, 0x6000, loop(1));
    loadBytes(m.memory, 0x7000, loop(2));
    pagingWithHole(m, 0x3ff);
    m.memory.write32(0x5000 + 8 * 4, 0x6000 | 3);
    m.cpu.flushTlbAll();
    m.cpu.eip = 0x8000;
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(100);
    expect(m.cpu.jitStats!.compiled).toBeGreaterThan(0);
    m.memory.write32(0x5000 + 8 * 4, 0x7000 | 3);
    m.cpu.flushTlbAll();
    m.cpu.reg32[0] = 0;
    rerunAt(m, 0x8000);
    expect(m.cpu.reg32[0]).toBe(200);
    // the first page's code was not written: it stays compiled
    expect(m.cpu.jitStats!.invalidated).toBe(0);
  });

  it('merges the regions of a page when more of its blocks get hot', () => {
    // mov ecx,1000 ; L: cmp ecx,500 ; ja S ; inc ebx ; S: inc eax ; dec ecx ; jnz L ; hlt
    // the "inc ebx" block first runs (and compiles) halfway: then the page's regions merge
    const m = flat('translator', [0xb9, ...d32(1000), 0x81, 0xf9, ...d32(500), 0x77, 0x01, 0x43, 0x40, 0x49, 0x75, 0xf3, 0xf4]);
    runUntilHalt(m.cpu);
    expect(m.cpu.reg32[0]).toBe(1000);
    expect(m.cpu.reg32[3]).toBe(500);
    const s = m.cpu.jitStats!;
    expect(s.compiledTotal).toBeGreaterThan(1);
    // 500 iterations through the late block did not each go through the dispatcher
    expect(s.hits + s.misses).toBeLessThan(60);
  });

  it('leaves the rest of a block to the interpreter after a slow path, building no block there', () => {
    // mov ecx,1000 ; L: add eax,ecx ; mov ebx,[0x2001] (unaligned: a slow path every time) ;
    // add edx,ebx ; inc esi ; dec ecx ; jnz L ; hlt
    const code = [0xb9, ...d32(1000), 0x01, 0xc8, 0x8b, 0x1d, ...d32(0x2001), 0x01, 0xda, 0x46, 0x49, 0x75, 0xf2, 0xf4];
    const a = flat('interpreter', code);
    const b = flat('translator', code);
    for (const m of [a, b]) {
      m.memory.write32(0x2000, 0x04030201);
      m.memory.write32(0x2004, 0x08070605);
      m.cpu.reg32[2] = 0;
      runUntilHalt(m.cpu);
    }
    expect(getRegs(b.cpu)).toEqual(getRegs(a.cpu));
    expect(b.cpu.retired).toBe(a.cpu.retired);
    expect(b.cpu.reg32[2]! >>> 0).toBe((1000 * 0x05040302) >>> 0);
    const s = b.cpu.jitStats!;
    // the entry block and the loop's: none starting at the slow load or after it
    expect(s.blocks).toBe(2);
    // per iteration, the ADD ran compiled and the load and what follows it interpreted
    expect(s.jitInstructions).toBeGreaterThanOrEqual(1000);
    expect(s.interpretedInstructions).toBeGreaterThanOrEqual(5 * 999);
  });

  it('leaves a region right after an instruction whose device access raised an interrupt, like the interpreter', () => {
    // mov ecx,0x12345678 ; xadd [0x300000],ecx (a device register: its write raises INTR) ; inc ebx x3 ; hlt
    const code = [0xb9, ...d32(0x12345678), 0x0f, 0xc1, 0x0d, ...d32(0x300000), 0x43, 0x43, 0x43, 0xf4];
    const run = (engine: 'interpreter' | 'translator'): { ebx: number; eip: number; retired: number; written: number } => {
      const m = flat(engine, code);
      pagingWithHole(m, 0x3ff);
      m.memory.write32(0x2000 + 0x20 * 8, (0x08 << 16) | 0x3000);
      m.memory.write32(0x2000 + 0x20 * 8 + 4, 0x8e00);
      m.cpu.idtLimit = 0x107;
      m.cpu.reg32[3] = 0;
      m.cpu.setFlags(m.cpu.getFlags() | 0x200);
      m.pendingVectors.push(0x20);
      let written = 0;
      const read32 = m.memory.read32.bind(m.memory);
      const write32 = m.memory.write32.bind(m.memory);
      m.memory.read32 = (addr: number): number => (addr === 0x300000 ? 1 : read32(addr));
      m.memory.write32 = (addr: number, v: number): void => {
        if (addr !== 0x300000) return write32(addr, v);
        written = v;
        m.cpu.intr.raise();
      };
      runUntilHalt(m.cpu);
      return { ebx: m.cpu.reg32[3]!, eip: m.cpu.eip, retired: m.cpu.retired, written };
    };
    const a = run('interpreter');
    expect(a).toEqual({ ebx: 0, eip: 0x3001, retired: 3, written: 0x12345679 });
    expect(run('translator')).toEqual(a);
  });

  // 0x1000: mov ecx,1000 ; L: call 0x7000 ; cmp ecx,500 ; jne S ; <change> ; S: dec ecx ; jnz L ; hlt
  // (0x7000: add edx,1 ; ret): the calls after the change must see it (edx = 501 + 499 * 100)
  const callLoop = (change: number[]): number[] => [
    0xb9, ...d32(1000), 0xe8, ...d32(0x7000 - 0x100a), 0x81, 0xf9, ...d32(500), 0x75, change.length, ...change,
    0x49, 0x75, (0x1005 - (0x1012 + change.length + 3)) & 0xff, 0xf4,
  ];

  it('sees a write to a called function on another page', () => {
    // the change: mov byte [0x7002],100 (add edx,1 -> add edx,100)
    const code = callLoop([0xc6, 0x05, ...d32(0x7002), 100]);
    for (const engine of ['interpreter', 'translator'] as const) {
      const m = flat(engine, code, { threshold: 10 });
      loadBytes(m.memory, 0x7000, [0x83, 0xc2, 0x01, 0xc3]);
      m.cpu.reg32[2] = 0;
      runUntilHalt(m.cpu);
      expect(m.cpu.reg32[2], engine).toBe(501 + 499 * 100);
    }
  });

  it('sees a called function\'s page mapped to other code (page table write + INVLPG)', () => {
    // the change: mov dword [PTE of 0x7000],0x8003 ; invlpg [0x7000]   (0x8000: add edx,100 ; ret)
    const code = callLoop([0xc7, 0x05, ...d32(0x5000 + 7 * 4), ...d32(0x8003), 0x0f, 0x01, 0x3d, ...d32(0x7000)]);
    for (const engine of ['interpreter', 'translator'] as const) {
      const m = flat(engine, code, { threshold: 10 });
      pagingWithHole(m, 0x3ff);
      loadBytes(m.memory, 0x7000, [0x83, 0xc2, 0x01, 0xc3]);
      loadBytes(m.memory, 0x8000, [0x83, 0xc2, 0x64, 0xc3]);
      m.cpu.reg32[2] = 0;
      runUntilHalt(m.cpu);
      expect(m.cpu.reg32[2], engine).toBe(501 + 499 * 100);
    }
  });

  it('does not run code compiled for flat data segments once DS has a base', () => {
    // 0x1000: mov ecx,100 ; call F ; mov ax,0x18 ; mov ds,ax ; mov ecx,100 ; call F ; hlt
    // F (0x1100): L: mov eax,[0x800] ; add ebx,eax ; dec ecx ; jnz L ; ret
    const call = (at: number): number[] => [0xe8, ...d32(0x1100 - (at + 5))];
    const main = [0xb9, ...d32(100), ...call(0x1005), 0x66, 0xb8, 0x18, 0x00, 0x8e, 0xd8, 0xb9, ...d32(100), ...call(0x1015), 0xf4];
    const f = [0x8b, 0x05, ...d32(0x800), 0x01, 0xc3, 0x49, 0x75, 0xf5, 0xc3];
    for (const engine of ['interpreter', 'translator'] as const) {
      const m = flat(engine, main, { threshold: 10 });
      loadBytes(m.memory, 0x1100, f);
      // 0x18: data at base 0x100000 with a 4 GiB limit
      gdt(m, [[0x0000ffff, 0x00cf9310]]);
      m.memory.write32(0x800, 1);
      m.memory.write32(0x100800, 1000);
      m.cpu.reg32[3] = 0;
      runUntilHalt(m.cpu);
      expect(m.cpu.reg32[3], engine).toBe(100 * 1 + 100 * 1000);
    }
  });

  it('keeps the registers a REP string instruction left when it faults inside a region', () => {
    // add ebx,5 ; mov esi,0x1800 ; mov edi,0x1fe ffc ; mov ecx,8 ; rep movsb ; inc eax ; hlt
    // (page 0x1ff is not present: four bytes are copied, then #PF with ECX/ESI/EDI advanced)
    const { a, b } = onBothEnginesWithHole([0x83, 0xc3, 0x05, 0xbe, ...d32(0x1800), 0xbf, ...d32(0x1feffc), 0xb9, ...d32(8), 0xf3, 0xa4, 0x40, 0xf4]);
    expect(b).toEqual(a);
    expect(a.cr2).toBe(0x1ff000);
    expect(a.ecx).toBe(4);
    expect(a.ebx).toBe(5);
    expect(a.edi).toBe(0x1ff000);
    // the #PF handler ran (HLT at 0x3000) and got a write fault's error code
    expect(a.eip).toBe(0x3001);
    expect(a.err & 2).toBe(2);
  });

  it('faults a read-modify-write whose store hits a read-only page with the flags as they were before (both engines)', () => {
    // mov eax,k ; stc ; <insn on dword [0x1ff000]> ; hlt -- page 0x1ff read-only and CR0.WP set: the
    // store faults, and the #PF frame's EFLAGS must still be the flags before it (CF only; each
    // instruction would change them), so the instruction re-runs right after the handler
    const m32 = d32(0x1ff000);
    const insns: [string, number[], number, number][] = [
      ['adc [m],eax', [0x11, 0x05, ...m32], 1, 1],
      ['adc [m],1', [0x83, 0x15, ...m32, 0x01], 1, 1],
      ['sbb [m],eax', [0x19, 0x05, ...m32], 0, 1],
      ['rcl [m],1', [0xd1, 0x15, ...m32], 1, 1],
      ['add [m],eax', [0x01, 0x05, ...m32], 1, 1],
      ['sub [m],1', [0x83, 0x2d, ...m32, 0x01], 1, 1],
      ['inc [m]', [0xff, 0x05, ...m32], 1, -1],
      ['neg [m]', [0xf7, 0x1d, ...m32], 1, 0],
      ['shl [m],1', [0xd1, 0x25, ...m32], 1, 1],
      ['shld [m],eax,1', [0x0f, 0xa4, 0x05, ...m32, 0x01], 1, 1],
      ['bts [m],0', [0x0f, 0xba, 0x2d, ...m32, 0x00], 1, 0],
      ['cmpxchg [m],ecx', [0x0f, 0xb1, 0x0d, ...m32], 1, 1],
      ['xadd [m],eax', [0x0f, 0xc1, 0x05, ...m32], 1, 1],
    ];
    for (const [name, insn, eax, mem] of insns) {
      for (const engine of ['interpreter', 'translator'] as const) {
        const m = flat(engine, [0xb8, ...d32(eax), 0xf9, ...insn, 0xf4]);
        pagingWithHole(m, 0x3ff);
        m.memory.write32(0x5000 + 0x1ff * 4, 0x1ff000 | 1);
        m.memory.write32(0x1ff000, mem);
        m.cpu.cr0 |= 0x10000;
        m.cpu.flushTlbAll();
        runUntilHalt(m.cpu);
        const esp = m.cpu.reg32[4]! >>> 0;
        const what = `${engine}, ${name}`;
        expect(m.cpu.eip, what).toBe(0x3001); // the #PF handler ran
        expect(m.cpu.cr2 >>> 0, what).toBe(0x1ff000);
        expect(m.memory.read32(esp) & 3, `${what}: a protection fault on a write`).toBe(3);
        expect(m.memory.read32(esp + 12) & 0x8d5, `${what}: arithmetic flags in the frame`).toBe(1);
        expect(m.memory.read32(0x1ff000) | 0, what).toBe(mem);
        expect(m.cpu.reg32[0], `${what}: EAX`).toBe(eax);
      }
    }
  });

  it('leaves the interpreter state on a page fault inside a block', () => {
    // paging on; the second load touches a not-present page
    const { a, b } = onBothEnginesWithHole([0x40, 0x8b, 0x1d, ...d32(0x1800), 0x41, 0x8b, 0x15, ...d32(0x1ff000), 0x42, 0xf4]);
    expect(b).toEqual(a);
    expect(a.cr2).toBe(0x1ff000);
    expect(a.eax).toBe(1);
    expect(a.ecx).toBe(1);
    expect(a.edx).toBe(0x633); // the load into EDX faulted: reset value kept
    expect(a.eip).toBe(0x3001); // the #PF handler ran
    expect(a.err).toBe(0); // a supervisor read of a not-present page
  });
});
