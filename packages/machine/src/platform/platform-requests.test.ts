import { describe, expect, it } from 'vitest';
import { PlatformRequests } from './platform-requests.js';

describe('PlatformRequests', () => {
  it('records a request, kicks the CPU, and hands it over once', () => {
    let kicks = 0;
    const p = new PlatformRequests(() => kicks++);
    p.requestReset('8042 pulse');
    expect(kicks).toBe(1);
    expect(p.peek()).toEqual({ kind: 'reset', reason: '8042 pulse' });
    expect(p.take()).toEqual({ kind: 'reset', reason: '8042 pulse' });
    expect(p.take()).toBeNull();
  });

  it('lets a power-off override a reset, not the other way round', () => {
    const p = new PlatformRequests();
    p.requestReset('a');
    p.requestPowerOff('acpi s5', 3);
    p.requestReset('b');
    expect(p.take()).toEqual({ kind: 'power-off', reason: 'acpi s5', code: 3 });
    p.requestPowerOff('first');
    p.requestPowerOff('second', 9);
    expect(p.take()).toEqual({ kind: 'power-off', reason: 'first', code: 0 });
  });
});
