/** One jest run for the whole monorepo; packages resolve to their TypeScript sources. */
const transports = ['rabbitmq', 'redis', 'kafka', 'sqs'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^@switchyard/(core|testing|cli)$': '<rootDir>/packages/$1/src',
    ...Object.fromEntries(
      transports.map((t) => [`^@switchyard/${t}$`, `<rootDir>/packages/transport-${t}/src`]),
    ),
  },
  testTimeout: 30_000,
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};
