import { defineProject } from 'vitest/config';

/**
 * System tests run the built packages (dist/, `pnpm build` first: the root
 * `pnpm test` does it): vitest's module transform makes the CPU's hot paths
 * several times slower than native ES modules. Guest boots take minutes on
 * the interpreter, so one boot is shared by many checks.
 */
export default defineProject({
  test: {
    name: 'system',
    include: ['src/**/*.test.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    server: { deps: { external: [/\/packages\/[^/]+\/dist\//] } },
  },
});
