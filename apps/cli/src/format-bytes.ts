/** Formats a byte count with binary units for humans, e.g. `12.3 MiB`; a negative count (unknown) is `n/a`. */
export function formatBytes(bytes: number): string {
  if (bytes < 0) return 'n/a';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
