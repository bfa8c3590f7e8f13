import { describe, expect, it } from 'vitest';
import { testContext } from '../pc/test-support.js';
import { BalloonCommand, BalloonStatus, VMWARE_BALLOON_MAGIC, VMWARE_BALLOON_PORT, VmwareBalloon } from './vmware-balloon.js';
import { VMWARE_BACKDOOR_MAGIC, VMWARE_BACKDOOR_PORT, VmwareBackdoor } from './vmware-backdoor.js';

const regs = { reg32: new Int32Array(8) };
const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESI = 6;

function setup(pages = 256) {
  const ctx = testContext(pages * 4096);
  const released: number[] = [];
  const balloon = new VmwareBalloon({ registers: () => regs, backend: { pageCount: pages, release: (g) => released.push(g) } });
  expect(balloon.realize(ctx).ok).toBe(true);
  const call = (cmd: number, arg1 = 0, arg2 = 0): number => {
    regs.reg32.fill(0);
    regs.reg32[EAX] = VMWARE_BALLOON_MAGIC;
    regs.reg32[ECX] = cmd;
    regs.reg32[EDX] = VMWARE_BALLOON_PORT;
    regs.reg32[EBX] = arg1;
    regs.reg32[ESI] = arg2;
    return ctx.ports.in32(VMWARE_BALLOON_PORT) >>> 0;
  };
  return { ctx, balloon, released, call };
}

describe('VmwareBalloon (the vmw_balloon protocol)', () => {
  it('negotiates capabilities, reports the target and locks/unlocks single pages', () => {
    const { balloon, released, call } = setup();
    expect(call(BalloonCommand.GetTarget, 256)).toBe(BalloonStatus.ErrorReset); // before START
    expect(call(BalloonCommand.Start, 0xff)).toBe(BalloonStatus.SuccessWithCapabilities);
    expect(regs.reg32[ECX]).toBe(0b110); // basic + batched only
    expect(call(BalloonCommand.GuestId, 1)).toBe(BalloonStatus.Success);
    balloon.setTarget(3);
    expect(call(BalloonCommand.GetTarget, 256)).toBe(BalloonStatus.Success);
    expect(regs.reg32[EBX]).toBe(3);
    expect(call(BalloonCommand.Lock, 10)).toBe(0);
    expect(call(BalloonCommand.Lock, 10)).toBe(BalloonStatus.ErrorPpnLocked);
    expect(call(BalloonCommand.Lock, 9999)).toBe(BalloonStatus.ErrorPpnInvalid);
    expect(call(BalloonCommand.Lock, 11)).toBe(0);
    expect(call(BalloonCommand.Lock, 12)).toBe(0);
    expect(call(BalloonCommand.Lock, 13)).toBe(BalloonStatus.ErrorPpnNotNeeded);
    expect(released).toEqual([10, 11, 12]);
    expect(balloon.size).toBe(3);
    expect(call(BalloonCommand.Unlock, 11)).toBe(0);
    expect(call(BalloonCommand.Unlock, 11)).toBe(BalloonStatus.ErrorPpnUnlocked);
    expect(balloon.size).toBe(2);
    expect(call(99)).toBe(BalloonStatus.ErrorCmdInvalid);
  });

  it('works through batch pages entry by entry, writing each status back', () => {
    const { ctx, balloon, released, call } = setup();
    call(BalloonCommand.Start, 0b110);
    balloon.setTarget(100);
    const batch = 5 * 4096;
    const pfns = [20, 21, 20, 5000];
    pfns.forEach((p, i) => {
      ctx.memory.write32(batch + i * 8, (p << 12) >>> 0);
      ctx.memory.write32(batch + i * 8 + 4, 0);
    });
    expect(call(BalloonCommand.BatchedLock, 5, pfns.length)).toBe(0);
    expect([0, 1, 2, 3].map((i) => ctx.memory.read8(batch + i * 8) & 0x1f)).toEqual([0, 0, BalloonStatus.ErrorPpnLocked, BalloonStatus.ErrorPpnInvalid]);
    expect(released).toEqual([20, 21]);
    expect(call(BalloonCommand.BatchedLock, 5, 513)).toBe(BalloonStatus.ErrorPpnInvalid);
    expect(call(BalloonCommand.BatchedUnlock, 5, 2)).toBe(0);
    expect(balloon.size).toBe(0);
    // A hostile batch address past RAM is an error, never a host exception.
    expect(call(BalloonCommand.BatchedLock, 0xfffff, 4)).toBe(BalloonStatus.ErrorPpnInvalid);
  });

  it('empties on reset and asks the driver to start over; snapshots round-trip', () => {
    const { balloon, call } = setup();
    call(BalloonCommand.Start, 2);
    balloon.setTarget(5);
    call(BalloonCommand.Lock, 1);
    const s = balloon.snapshot();
    balloon.reset();
    expect(balloon.size).toBe(0);
    expect(call(BalloonCommand.GetTarget, 256)).toBe(BalloonStatus.ErrorReset);
    balloon.restore(s);
    expect(balloon.isLocked(1)).toBe(true);
    expect(balloon.size).toBe(1);
    expect(call(BalloonCommand.Lock, 1)).toBe(BalloonStatus.ErrorPpnLocked);
  });

  it('ignores calls without the magic', () => {
    const { ctx, balloon } = setup();
    regs.reg32.fill(0);
    expect(ctx.ports.in32(VMWARE_BALLOON_PORT) >>> 0).toBe(0xffffffff);
    expect(balloon.driverActive).toBe(false);
  });
});

describe('VmwareBackdoor', () => {
  it('answers GETVERSION and GETHZ as Linux and open-vm-tools expect', () => {
    const ctx = testContext();
    const bd = new VmwareBackdoor({ registers: () => regs, tscHz: 2_500_000_000 });
    bd.realize(ctx);
    regs.reg32.fill(0);
    regs.reg32[EAX] = VMWARE_BACKDOOR_MAGIC;
    regs.reg32[ECX] = 10;
    expect(ctx.ports.in32(VMWARE_BACKDOOR_PORT)).toBe(6);
    expect(regs.reg32[EBX]).toBe(VMWARE_BACKDOOR_MAGIC);
    regs.reg32[EAX] = VMWARE_BACKDOOR_MAGIC;
    regs.reg32[ECX] = 45;
    expect(ctx.ports.in32(VMWARE_BACKDOOR_PORT) >>> 0).toBe(2_500_000_000 % 2 ** 32);
    expect(regs.reg32[EBX]).toBe(0);
    expect(regs.reg32[ECX]).toBe(-1);
    regs.reg32[EAX] = 1234;
    expect(ctx.ports.in32(VMWARE_BACKDOOR_PORT) >>> 0).toBe(0xffffffff);
    expect(bd.calls).toBe(2);
  });
});
