/** The public API under test, in one place so every test file imports it the same way. */
export * from '../../src/index.js';
