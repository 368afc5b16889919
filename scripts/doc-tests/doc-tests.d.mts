// Types of doc-tests.mjs, for the TypeScript test that drives it (apps/cli/test/readme-examples.test.ts).

/** How a block is tested: run (type-checked and run), no-run (type-checked), signature (ambient declarations). */
export type BlockKind = 'run' | 'no-run' | 'signature';
export declare const BLOCK_KINDS: readonly BlockKind[];

/** One fenced TypeScript block of a README. */
export interface DocBlock {
  /** 1-based line of the opening fence. */
  line: number;
  kind: BlockKind;
  code: string;
}

/** A block with where it comes from. */
export interface ReadmeBlock extends DocBlock {
  /** README path relative to the repository. */
  file: string;
  /** Package whose README it is (undefined for the root README). */
  pkg: string | undefined;
  /** File-name-safe unique id. */
  id: string;
}

export declare function readmeFiles(repo?: string): string[];
export declare function extractBlocks(markdown: string, file?: string): DocBlock[];
export declare function allBlocks(repo?: string): ReadmeBlock[];
/** `[specifier, .d.ts path]` of the root entry and every subpath entry of a built package. */
export declare function entryPoints(
  name: string,
  pkg: { exports?: Record<string, unknown> },
  pkgDir: string,
): [string, string][];
/** Names exported by one built entry point, read from its `.d.ts`. */
export declare function exportedNames(dtsPath: string): string[];
export declare function writeWorkspace(dir: string, blocks: readonly ReadmeBlock[]): void;
/** tsc diagnostics by block id. */
export declare function typeCheck(dir: string): Map<string, string[]>;
export declare function prepareDemoData(dir: string): { demo: string; dataset: string };
export declare function runBlock(
  dir: string,
  block: ReadmeBlock,
  options?: { timeoutMs?: number },
): { status: number | null; stdout: string; stderr: string };
