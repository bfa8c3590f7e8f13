/**
 * The ISA legacy devices of a PC: 8259A PIC pair, 8254 PIT with port 0x61,
 * MC146818 RTC/CMOS, 16550A UARTs, 8042 keyboard controller with PS/2
 * keyboard and mouse, and the small system ports (0x92, 0xCF9, 0x80,
 * 0x402/0xE9).
 *
 * @module
 */

export { Pic8259 } from './pic8259.js';
export type { Pic8259Config } from './pic8259.js';
export { Pic8259Chip } from './pic8259-chip.js';

export { Pit8254 } from './pit8254.js';
export type { Pit8254Config } from './pit8254.js';
export { Pit8254Counter, PIT_HZ } from './pit8254-counter.js';
export { SystemControlPortB } from './system-control-port-b.js';
export type { SystemControlPortBConfig } from './system-control-port-b.js';

export { Rtc146818 } from './rtc146818.js';
export type { Rtc146818Config } from './rtc146818.js';
export { CmosOffset, equipmentByte, writeCmosBootOrder, writeCmosChecksum, writeCmosMemorySize } from './cmos-layout.js';
export type { CmosBootDevice } from './cmos-layout.js';
export { CivilTime, daysFromCivil } from './civil-time.js';

export { COM_PORTS, Uart16550 } from './uart16550.js';
export type { Uart16550Config, UartModemInputs, UartPacing } from './uart16550.js';

export { I8042 } from './i8042.js';
export type { I8042Config } from './i8042.js';
export { Ps2Keyboard } from './ps2-keyboard.js';
export { Ps2Mouse } from './ps2-mouse.js';
export { keyScanCodes, knownKeyCodes, translateSet2Byte } from './ps2-scancodes.js';
export type { KeyScanCodes } from './ps2-scancodes.js';

export { SystemControlPortA } from './system-control-port-a.js';
export type { SystemControlPortAConfig } from './system-control-port-a.js';
export { A20Gate } from './a20-gate.js';
export { ResetControlRegister } from './reset-control-register.js';
export type { ResetControlRegisterConfig } from './reset-control-register.js';
export { PostCodePort } from './post-code-port.js';
export type { PostCodePortConfig } from './post-code-port.js';
export { DebugConsolePort } from './debug-console-port.js';
export type { DebugConsolePortConfig } from './debug-console-port.js';
