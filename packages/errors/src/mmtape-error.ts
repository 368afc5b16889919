/**
 * The base class of every error thrown by an mmtape package, and the one guard that recognises it.
 *
 * @module
 */

/**
 * Process-wide marker set on every mmtape error. `Symbol.for`, so two copies of any mmtape package in one
 * process (two versions in `node_modules`) agree on it where `instanceof` would not.
 */
export const MMTAPE_ERROR_MARKER: unique symbol = Symbol.for('mmtape.error') as never;

/**
 * What went wrong, from the point of view of the person running mmtape; it decides the CLI exit code.
 * - `usage`: the caller asked for something impossible (bad option or argument, unknown symbol, a path
 *   that does not exist, an output that already exists). Fix the command.
 * - `data`: an input file is corrupt, truncated, unparseable or inconsistent. Fix or replace the data.
 * - `io`: the operating system refused (disk full, read-only file system, permission, too many open
 *   files). Fix the environment and retry; the same command may then succeed.
 * - `internal`: an invariant of mmtape itself was violated (a bug; please report it).
 */
export type ErrorKind = 'usage' | 'data' | 'io' | 'internal';

/** Every {@link ErrorKind}, in exit-code order of the CLI. */
export const ERROR_KINDS: readonly ErrorKind[] = ['usage', 'data', 'internal', 'io'];

/** Error codes follow one scheme: `MMTAPE_<AREA>_<WHAT>`, e.g. `MMTAPE_FORMAT_BAD_MAGIC`. */
export type MmtapeErrorCode = `MMTAPE_${string}`;

/** The machine-readable form of an error (`mmtape --json` prints `{ "error": ErrorJson }`). */
export interface ErrorJson {
  /** `MMTAPE_<AREA>_<WHAT>`. */
  code: string;
  /** Decides the exit code. */
  kind: ErrorKind;
  /** The human message (the same line the CLI prints on stderr). */
  message: string;
  /** Context fields of the error (`path`, `row`, `offsetBytes`, `expected`, `actual`, ...), JSON-safe. */
  context: Record<string, unknown>;
}

/** Fields that are not context: the error's identity, message and stack. */
const NOT_CONTEXT = new Set(['name', 'message', 'stack', 'code', 'kind', 'cause', 'package']);

/**
 * Base class of every mmtape error. Subclasses declare a literal `code` (`MMTAPE_<AREA>_<WHAT>`), a
 * `kind` (see {@link ErrorKind}) and typed context fields named with units (`path`, `row`, `line`,
 * `column`, `offsetBytes`, `expected`, `actual`); the lower-layer error goes to `cause`.
 *
 * Identify mmtape errors with {@link isMmtapeError}, never `instanceof`.
 *
 * @example
 * ```ts
 * class TruncatedChunkError extends MmtapeError {
 *   readonly code = 'MMTAPE_PACK_TRUNCATED_CHUNK' as const;
 *   readonly kind = 'data' as const;
 *   constructor(readonly path: string, readonly expected: number, readonly actual: number) {
 *     super(`${path}: chunk needs ${expected} bytes but the file has ${actual}`);
 *   }
 * }
 * ```
 */
export abstract class MmtapeError extends Error {
  /** Literal code, `MMTAPE_<AREA>_<WHAT>`. */
  abstract readonly code: MmtapeErrorCode;
  /** What went wrong for the user; decides the CLI exit code. */
  abstract readonly kind: ErrorKind;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    Object.defineProperty(this, MMTAPE_ERROR_MARKER, { value: true, enumerable: false });
  }

  /** `{ code, kind, message, context }`, what `JSON.stringify(error)` and `mmtape --json` print. */
  toJSON(): ErrorJson {
    return { code: this.code, kind: this.kind, message: this.message, context: errorContext(this) };
  }
}

/**
 * True for an error thrown by any mmtape package, optionally with the given `code`. Checks the
 * `Symbol.for('mmtape.error')` marker and a string `code`, so it also recognises errors of another copy
 * of a package (where `instanceof` fails).
 *
 * @example
 * ```ts
 * try { Dataset.open(dir); } catch (e) { if (isMmtapeError(e, 'MMTAPE_FORMAT_BAD_MAGIC')) ...; else throw e; }
 * ```
 */
export function isMmtapeError(value: unknown, code?: string): value is MmtapeError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[MMTAPE_ERROR_MARKER] !== true) return false;
  const actual = (value as { code?: unknown }).code;
  return typeof actual === 'string' && (code === undefined || actual === code);
}

/**
 * The context fields of an error as a JSON-safe object: its own enumerable fields except identity,
 * message, stack and cause; `undefined` fields are left out, bigints become decimal strings, other
 * non-JSON values (functions, typed arrays) their `String()`.
 */
export function errorContext(error: object): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (NOT_CONTEXT.has(key) || value === undefined) continue;
    context[key] = jsonSafe(value);
  }
  return context;
}

function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}
