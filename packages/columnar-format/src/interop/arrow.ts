/**
 * @mmtape/columnar-format/arrow: zero-copy hand-off of columns to apache-arrow (optional peer).
 * Filled in by the interop work (issue 7).
 */
export {};
