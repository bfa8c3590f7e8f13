/**
 * `@vm/machine/test`: helpers for testing machines and the devices in them:
 * a scripted CPU, a minimal interrupt controller, a debug-exit port and a
 * one-call test machine builder.
 *
 * @packageDocumentation
 */
export { PinLine, ScriptedCpu } from './scripted-cpu.js';
export type { CallStep, FlagStep, InStep, JumpStep, NopStep, OutStep, ScriptStep, ShutdownStep } from './scripted-cpu.js';
export { LevelInterruptController } from './level-interrupt-controller.js';
export { DebugExitDevice } from './debug-exit-device.js';
export { buildTestMachine } from './build-test-machine.js';
export type { TestMachine } from './build-test-machine.js';
