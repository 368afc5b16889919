/**
 * @mmtape/columnar-format/pack: compressed cold copies of datasets (pack) and their restoration
 * (hydrate). Filled in by the compression work (issue 6).
 */
export {};
