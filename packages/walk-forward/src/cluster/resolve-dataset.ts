/**
 * Where a cluster worker finds the dataset: a folder it can read (shared file system), or a pack
 * (`mmtape pack`) given by URL, hydrated once per machine into a local cache keyed by the pack's digest.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hydrateDataset, PACK_INDEX_FILE, type PackIndex } from '@mmtape/columnar-format/pack';
import { InvalidInputError } from '../errors.js';

/**
 * Default cache of hydrated packs: `$XDG_CACHE_HOME/mmtape/datasets`, else `~/.cache/mmtape/datasets`.
 * One folder per pack digest; safe to delete when no worker runs.
 */
export function defaultDatasetCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mmtape', 'datasets');
}

/** Whether `location` is a pack URL (`file://`, `http://`, `https://`) rather than a folder path. */
export function isPackUrl(location: string): boolean {
  return /^(file|https?):\/\//i.test(location);
}

/** Hydrations in progress in this process, by pack digest: each pack is hydrated once per machine. */
const inFlight = new Map<string, Promise<string>>();

/**
 * The local dataset folder for `location`:
 * - a folder path: returned as an absolute path (the worker must see the same dataset as the producer;
 *   the panel digest check of every task catches any other);
 * - `file://…` or `http(s)://…` of a packed folder: its `pack.json` is read and its SHA-256 (the pack
 *   digest) names the cache entry `<cacheDir>/<digest>`; when absent, the pack is downloaded (HTTP) into
 *   `<cacheDir>/<digest>.pack` and hydrated (every file checked against its SHA-256 in pack.json) into a
 *   temporary folder renamed into place, so concurrent workers on one machine never see a partial copy.
 *
 * @throws InvalidInputError for an HTTP error or a pack whose pack.json changed during the download;
 *   the pack errors of `hydrateDataset` (`MMTAPE_PACK_*`) for a corrupt pack.
 */
export async function resolveDatasetLocation(
  location: string,
  cacheDir: string = defaultDatasetCacheDir(),
): Promise<string> {
  if (!isPackUrl(location)) return resolve(location);
  const packJson = await readPackFile(location, PACK_INDEX_FILE);
  const digest = createHash('sha256').update(packJson).digest('hex');
  const target = join(cacheDir, digest);
  if (existsSync(join(target, 'CURRENT'))) return target;
  let job = inFlight.get(digest);
  if (!job) {
    job = hydrateOnce(location, packJson, digest, cacheDir).finally(() => inFlight.delete(digest));
    inFlight.set(digest, job);
  }
  return job;
}

async function hydrateOnce(
  location: string,
  packJson: Buffer,
  digest: string,
  cacheDir: string,
): Promise<string> {
  const target = join(cacheDir, digest);
  mkdirSync(cacheDir, { recursive: true });
  const unique = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let packDir: string;
  let downloaded: string | undefined;
  if (location.toLowerCase().startsWith('file:')) {
    packDir = fileURLToPath(location);
  } else {
    downloaded = join(cacheDir, `.${digest}.pack-${unique}`);
    packDir = downloaded;
    const index = JSON.parse(packJson.toString('utf8')) as PackIndex;
    const paths = [...index.files.map((f) => f.packedPath), ...(index.others ?? []).map((o) => o.packedPath)];
    for (const rel of new Set(paths)) {
      const out = join(packDir, rel);
      if (!out.startsWith(packDir + '/')) {
        throw new InvalidInputError(`pack ${location}`, 'packed paths inside the pack', rel);
      }
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, await readPackFile(location, rel));
    }
    writeFileSync(join(packDir, PACK_INDEX_FILE), packJson);
  }
  const staging = join(cacheDir, `.${digest}.hydrate-${unique}`);
  try {
    await hydrateDataset(packDir, staging);
    const again = createHash('sha256')
      .update(readFileSync(join(packDir, PACK_INDEX_FILE)))
      .digest('hex');
    if (again !== digest) {
      throw new InvalidInputError(`pack ${location} pack.json`, `digest ${digest} (unchanged)`, again);
    }
    try {
      renameSync(staging, target);
    } catch (e) {
      // Another worker process on this machine published the same pack first: use its copy.
      if (!existsSync(join(target, 'CURRENT'))) throw e;
    }
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    if (downloaded) rmSync(downloaded, { recursive: true, force: true });
  }
}

async function readPackFile(location: string, rel: string): Promise<Buffer> {
  if (location.toLowerCase().startsWith('file:')) return readFileSync(join(fileURLToPath(location), rel));
  const url = new URL(
    rel.split('/').map(encodeURIComponent).join('/'),
    location.endsWith('/') ? location : `${location}/`,
  );
  const response = await fetch(url);
  if (!response.ok) {
    throw new InvalidInputError(`pack file ${url.origin}${url.pathname}`, 'HTTP 200', response.status);
  }
  return Buffer.from(await response.arrayBuffer());
}
