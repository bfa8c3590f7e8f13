// Run the example: `pnpm --filter @vm/example-custom-device start`.
import { buildExampleMachine } from './build-machine.js';
import { MESSAGE, RESULT_ADDR } from './guest-program.js';

const { machine } = buildExampleMachine();
// Run until the guest has nothing left to do (`cli; hlt` with no timer armed).
const result = machine.runUntil({ maxSlices: 10_000 });
const crc = machine.memory.read32(RESULT_ADDR);
console.log(`guest stopped: ${result.stop} after ${result.retired} instructions, ${machine.clock.now()} ns of virtual time`);
console.log(`CRC-32 of "${MESSAGE}" computed by the device: 0x${crc.toString(16).padStart(8, '0')}`);
machine.destroy();
