/**
 * Bytes for a message, in the units the figure is known by: `binary` (KiB, MiB: memory, as Docker's limits and the
 * kernel count it; two decimals at most) or `decimal` (kB, MB: image sizes, as Docker shows them; three significant
 * digits).
 */
export function formatBytes(bytes: number, units: 'binary' | 'decimal'): string {
  const binary = units === 'binary';
  const names = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'kB', 'MB', 'GB', 'TB'];
  const step = binary ? 1024 : 1000;
  let value = bytes;
  let unit = 0;
  while (value >= step && unit < names.length - 1) {
    value /= step;
    unit++;
  }
  const shown = binary ? Number(value.toFixed(2)) : unit === 0 ? value : value.toPrecision(3);
  return `${shown} ${names[unit]}`;
}
