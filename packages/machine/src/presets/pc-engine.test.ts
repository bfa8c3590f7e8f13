import { describe, expect, it } from 'vitest';
import { createPc } from './pc.js';

describe('pc preset CPU engine', () => {
  it('compiles hot blocks by default and runs the interpreter alone when asked', () => {
    const translated = createPc({ memoryMB: 4 });
    const interpreted = createPc({ memoryMB: 4, cpuEngine: 'interpreter' });
    try {
      expect(translated.cpu.jit).not.toBeNull();
      expect(interpreted.cpu.jit).toBeNull();
    } finally {
      translated.machine.destroy();
      interpreted.machine.destroy();
    }
  });
});
