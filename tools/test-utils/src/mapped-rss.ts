import { readFileSync } from 'node:fs';

/**
 * Resident kB of this process's mapping(s) of `path`, summed from the `Rss:` lines of
 * `/proc/self/smaps` (Linux only; throws elsewhere). Tests use it to prove that a read did or did not
 * map pages of a file.
 */
export function mappedRssKb(path: string): number {
  let inFile = false;
  let kb = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${path}`);
    else if (inFile && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}
