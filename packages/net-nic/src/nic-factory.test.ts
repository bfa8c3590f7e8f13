import { describe, expect, it } from 'vitest';
import { I82540em } from './e1000/i82540em.js';
import { createVirtualNic, isVirtualNicKind, resolveNicMac } from './nic-factory.js';
import { Am79c970a } from './pcnet/am79c970a.js';
import { formatMac } from './shared/mac.js';

describe('createVirtualNic / resolveNicMac', () => {
  it('builds the card virtualDev names', () => {
    const mac = Uint8Array.of(2, 1, 2, 3, 4, 5);
    expect(createVirtualNic({ virtualDev: 'vlance', mac, backend: null })).toBeInstanceOf(Am79c970a);
    const e = createVirtualNic({ virtualDev: 'e1000', mac, backend: null, name: 'ethernet1' });
    expect(e).toBeInstanceOf(I82540em);
    expect(e.name).toBe('ethernet1');
    expect(isVirtualNicKind('vmxnet')).toBe(false);
  });

  it('gives four NICs distinct addresses and honours static ones', () => {
    const macs = [0, 1, 2, 3].map((i) => {
      const r = resolveNicMac('/vms/a/a.vmx', i);
      return r.ok ? formatMac(r.mac) : r.error;
    });
    expect(new Set(macs).size).toBe(4);
    expect(resolveNicMac('/vms/a/a.vmx', 4).ok).toBe(false);
    const s = resolveNicMac('/vms/a/a.vmx', 1, '00:50:56:00:12:34');
    expect(s.ok && formatMac(s.mac)).toBe('00:50:56:00:12:34');
    const bad = resolveNicMac('/vms/a/a.vmx', 1, '00:50:56:ff:12:34');
    expect(!bad.ok && bad.error).toMatch(/^ethernet1\.address: /);
  });
});
