/**
 * How many mappings this package has made that are still alive, and how many it may have at once.
 *
 * Linux caps the mappings of a process at `vm.max_map_count` (65,530 by default). A mapping made here is
 * released only when its Buffer is garbage collected (the binding has no explicit unmap, see
 * `bindings.ts`), and the binding's finalizer runs on the event loop: a synchronous loop that opens and
 * closes a 3,000-file dataset 22 times holds 66,000 mappings, and V8 then fails to map its own heap and
 * aborts the process ("Committing semi space failed", measured on Node 20, see the session note of issue
 * 16). {@link mappingBudget} keeps half of the limit for V8, Node and native code: past it,
 * `MappedFile.open` reads files into memory instead (the fallback backend, one process warning), so the
 * process keeps working and its answers stay the same.
 *
 * Internal to the package; {@link MmapStatus} reports both figures.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** `vm.max_map_count` when `/proc/sys/vm/max_map_count` cannot be read: the Linux default. */
export const DEFAULT_MAX_MAP_COUNT = 65_530;

let live = 0;
let budget: { maxMapCount: number; mappings: number } | undefined;

/** Counts a mapping down once its ArrayBuffer (and with it every view of the mapping) is collected. */
const released = new FinalizationRegistry<undefined>(() => {
  live--;
});

/** Records `buffer`, a new mapping, as live until it is garbage collected; returns it. */
export function trackMapping(buffer: Buffer): Buffer {
  live++;
  released.register(buffer.buffer, undefined);
  return buffer;
}

/** Mappings made by this copy of the package whose Buffers have not been collected yet. */
export function liveMappings(): number {
  return live;
}

/**
 * The process's `vm.max_map_count` (read once from `/proc/sys/vm/max_map_count`, else
 * {@link DEFAULT_MAX_MAP_COUNT}) and the mappings this package may hold at once: half of it.
 */
export function mappingBudget(): { maxMapCount: number; mappings: number } {
  if (budget !== undefined) return budget;
  let maxMapCount = DEFAULT_MAX_MAP_COUNT;
  try {
    const value = Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim());
    if (Number.isSafeInteger(value) && value > 0) maxMapCount = value;
  } catch {
    // not Linux (or no /proc): the Linux default is a safe bound
  }
  budget = { maxMapCount, mappings: Math.floor(maxMapCount / 2) };
  return budget;
}

/**
 * Why a new mapping would pass the budget, for the fallback warning; `undefined` while it would not.
 */
export function overBudgetReason(): string | undefined {
  const { maxMapCount, mappings } = mappingBudget();
  if (live < mappings) return undefined;
  return (
    `${live} mappings are alive, the budget is ${mappings} (half of vm.max_map_count ${maxMapCount}); ` +
    'closed files are unmapped when garbage collected, which needs the event loop to run'
  );
}
