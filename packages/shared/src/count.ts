/** A count with its noun, singular for one: `1 object`, `3 objects`. */
export function countOf(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
