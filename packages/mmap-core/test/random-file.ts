import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '@mmtape/test-utils';
import { pageSizeBytes } from '../src/index.js';

/** A file `name` in `dir` of `pages` pages plus 100 bytes of seeded random bytes; returns its path and bytes. */
export function randomFile(
  dir: string,
  name: string,
  pages: number,
  seed: number,
): { path: string; bytes: Buffer } {
  const random = mulberry32(seed);
  const bytes = Buffer.alloc(pages * pageSizeBytes() + 100);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, bytes };
}
