// Tests run as native ES modules (the generated Prisma client uses import.meta), so `npm test`
// starts node with --experimental-vm-modules. @swc/jest compiles TypeScript without type checks;
// `npm run typecheck` does those.
const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testEnvironment: 'node',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
};

/** @type {import('jest').Config} */
export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/test/e2e/'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
  testTimeout: 30_000,
};
