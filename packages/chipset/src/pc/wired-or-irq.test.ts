import { describe, expect, it } from 'vitest';
import { RecordingIrqLine } from '@vm/bus/test';
import { WiredOrIrq } from './wired-or-irq.js';

describe('WiredOrIrq', () => {
  it('asserts the output while any input is high, driving only changes', () => {
    const out = new RecordingIrqLine();
    const or = new WiredOrIrq(out);
    const a = or.input();
    const b = or.input();
    a.raise();
    b.raise();
    a.raise();
    a.lower();
    expect(out.level).toBe(true);
    expect(or.assertedCount).toBe(1);
    b.lower();
    b.lower();
    expect(out.history).toEqual([true, false]);
    a.pulse();
    expect(out.edges).toBe(2);
  });
});
