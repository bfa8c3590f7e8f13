import { defineProject } from 'vitest/config';

// The bench's own unit tests: parsing, statistics, the serial transcript, the child
// watcher and the runners' command lines. They never start an emulator (a real
// bench run is `run.ts`, see README.md).
export default defineProject({
  test: { name: 'bench-boot', include: ['*.test.ts', 'runners/*.test.ts'], testTimeout: 20_000 },
});
