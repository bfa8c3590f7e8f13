import type { UserWorkspaceConfig } from 'vitest/config';

/**
 * Settings every package's vitest project shares: resolve workspace packages to
 * their TypeScript sources (the `source` export condition), so tests never
 * need a build first.
 */
export function sharedProject(name: string, extra: { testTimeout?: number } = {}): UserWorkspaceConfig {
  return {
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: extra.testTimeout ?? 20_000,
    },
  };
}
