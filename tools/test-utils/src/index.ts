/**
 * Test helpers shared by mmtape's package tests. Private to the monorepo; tests import it as
 * `@mmtape/test-utils` (vitest runs the TypeScript source directly).
 */

export { loadedPackages } from './loaded-packages.js';
export { mappedRssKb } from './mapped-rss.js';
export { mulberry32 } from './mulberry32.js';
export { startTestRedis, type TestRedis } from './redis-server.js';
export { sharedDataDir } from './shared-data.js';
