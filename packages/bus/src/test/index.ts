/**
 * `@vm/bus/test`: fakes for device unit tests: an IRQ line that records
 * levels, a manual clock and timer queue, RAM-backed DMA, a port bus, a RAM
 * block backend and a frame recorder.
 *
 * @packageDocumentation
 */
export { RecordingIrqLine } from './recording-irq-line.js';
export { ManualClock } from './manual-clock.js';
export { RamDmaSpace } from './ram-dma-space.js';
export { RamGuestMemory } from './ram-guest-memory.js';
export { TestPortBus } from './test-port-bus.js';
export { RamBlockBackend } from './ram-block-backend.js';
export { FrameRecorder } from './frame-recorder.js';
export { CharRecorder } from './char-recorder.js';
