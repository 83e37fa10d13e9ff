/** Text safe in a Markdown table cell: pipes escaped, line breaks flattened. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Text from the database in a code span, so keys and names show as stored. */
export function code(text: string): string {
  return `\`${cell(text).replace(/`/g, "'")}\``;
}
