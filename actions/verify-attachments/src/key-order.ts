/**
 * Compares keys as S3 orders them, by their UTF-8 bytes, which is code point order; JavaScript's `<` compares UTF-16
 * code units instead and puts U+E000..U+FFFF after the astral planes.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    // Only where one side is a surrogate does code unit order differ from code point order.
    if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return (a.codePointAt(index) ?? x) - (b.codePointAt(index) ?? y) || x - y;
    return x - y;
  }
  return a.length - b.length;
}
