/**
 * Walk-forward config from untrusted input (a YAML or JSON file, CLI JSON): a zod schema for shapes and
 * ranges, then {@link resolveWalkForwardConfig} for defaults and cross-field rules.
 *
 * @module
 */

import { readBoundedFile } from '@mmtape/errors';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { resolveWalkForwardConfig, type WalkForwardConfig } from './config.js';
import { InvalidConfigError } from './errors.js';

const finiteNumber = z.number().refine(Number.isFinite, 'a finite number');

/**
 * zod schema of a partial {@link WalkForwardConfig} (every field optional, unknown fields rejected).
 * Ranges mirror {@link validateWalkForwardConfig}; cross-field rules (e.g. `exitZ < entryZ`) are checked
 * by {@link resolveWalkForwardConfig}.
 */
export const walkForwardConfigSchema = z
  .object({
    trainBars: z.number().int().min(10),
    testBars: z.number().int().min(2),
    stepBars: z.number().int().min(2),
    mode: z.enum(['rolling', 'expanding']),
    minCorrelation: finiteNumber.pipe(z.number().min(-1).max(1)),
    prefilter: z.boolean(),
    universe: z.enum(['all', 'within-sector']),
    sectorsFile: z.string().min(1).nullable(),
    maxPValue: finiteNumber.pipe(z.number().gt(0).max(1)),
    halfLifeBars: z.tuple([finiteNumber.pipe(z.number().min(0)), finiteNumber.pipe(z.number().min(0))]),
    topK: z.number().int().min(1),
    adfLags: z.number().int().min(0),
    adfAutolag: z.enum(['aic', 'bic', 't-stat']).nullable(),
    adfMaxLag: z.number().int().min(0).nullable(),
    maxHurst: finiteNumber.pipe(z.number().gt(0).max(2)).nullable(),
    entryZ: finiteNumber.pipe(z.number().gt(0)),
    exitZ: finiteNumber.pipe(z.number().min(0)),
    stopZ: finiteNumber.pipe(z.number().gt(0)),
    commissionBps: finiteNumber.pipe(z.number().min(0).max(1e4)),
    slippageBps: finiteNumber.pipe(z.number().min(0).max(1e4)),
    borrowBpsPerYear: finiteNumber.pipe(z.number().min(0).max(1e5)),
    initialCapital: finiteNumber.pipe(z.number().gt(0)),
    executionDelayBars: z.number().int().min(0),
    fillPrice: z.enum(['close', 'open']),
    method: z.enum(['engle-granger', 'johansen']),
    fdrQ: finiteNumber.pipe(z.number().gt(0).max(1)).nullable(),
    minHedgeRatio: finiteNumber.pipe(z.number().min(0)),
    minLegWeight: finiteNumber.pipe(z.number().min(0).max(0.5)),
    minTrainingCoverage: finiteNumber.pipe(z.number().gt(0).max(1)),
    periodsPerYear: z.union([z.literal('auto'), finiteNumber.pipe(z.number().gt(0))]),
  })
  .partial()
  .strict();

/**
 * Validate an untrusted partial config (e.g. parsed JSON/YAML) without applying defaults.
 *
 * @throws InvalidConfigError naming the first invalid field (`field` is the dotted path, e.g. `halfLifeBars.1`).
 */
export function parsePartialWalkForwardConfig(input: unknown): Partial<WalkForwardConfig> {
  const result = walkForwardConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    let actual: unknown = input;
    for (const k of issue.path)
      actual = (actual as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey];
    throw new InvalidConfigError(field, issue.message, actual);
  }
  return result.data as Partial<WalkForwardConfig>;
}

/**
 * Validate an untrusted config, apply the defaults ({@link DEFAULT_WALK_FORWARD_CONFIG}) and the
 * cross-field rules.
 *
 * @throws InvalidConfigError naming the first invalid field.
 */
export function parseWalkForwardConfig(input: unknown): WalkForwardConfig {
  return resolveWalkForwardConfig(parsePartialWalkForwardConfig(input));
}

/** Largest accepted walk-forward config file, bytes: 1 MiB (a config is a few hundred bytes). */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Read a partial config from a `.yaml`/`.yml` or `.json` file (any other extension is parsed as YAML, a
 * superset of JSON) and validate it with {@link walkForwardConfigSchema}; no defaults applied, so callers
 * can layer overrides (e.g. CLI flags) before {@link resolveWalkForwardConfig}.
 *
 * The file must be a regular file of at most {@link CONFIG_FILE_MAX_BYTES} (`readBoundedFile` of
 * `@mmtape/errors`).
 *
 * @throws InvalidConfigError with `field: '(file)'` when the file cannot be read or parsed, or naming the
 *   first invalid field.
 */
export function readWalkForwardConfigFile(path: string): Partial<WalkForwardConfig> {
  let parsed: unknown;
  try {
    const text = readBoundedFile(path, {
      maxBytes: CONFIG_FILE_MAX_BYTES,
      what: 'walk-forward config file',
    }).toString('utf8');
    parsed = path.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    const err = new InvalidConfigError('(file)', `a readable YAML/JSON config file (${path})`, String(e));
    (err as { cause?: unknown }).cause = e;
    throw err;
  }
  return parsePartialWalkForwardConfig(parsed);
}

/** {@link readWalkForwardConfigFile} + defaults + cross-field validation: the complete config of a file. */
export function loadWalkForwardConfig(path: string): WalkForwardConfig {
  return resolveWalkForwardConfig(readWalkForwardConfigFile(path));
}
