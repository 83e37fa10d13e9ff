// Words made only of these need no quotes for a POSIX sh. `=` is left out so that a first word is never
// read as an assignment, and `~` and `#` because sh expands or comments on them at the start of a word.
const plainWord = /^[A-Za-z0-9_/.,:@%+-]+$/;

/** Quotes one argument so that a POSIX `sh` reads it back byte-for-byte. */
export function quoteShellArgument(argument: string): string {
  if (argument.includes('\0')) throw new Error('A shell argument cannot contain a NUL byte.');
  if (plainWord.test(argument)) return argument;
  // Inside single quotes nothing is special but the single quote itself, which is closed, escaped and reopened.
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

// Plain words that sh (or bash, a common login shell) reads as syntax when they come first, unless quoted.
const reservedWords = new Set([
  'case',
  'coproc',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'function',
  'if',
  'in',
  'select',
  'then',
  'time',
  'until',
  'while',
]);

/** Joins an argv array into one command line for `sh -c` on a remote host. */
export function toShellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('A command needs at least one word.');
  return argv.map((word, index) => (index === 0 && reservedWords.has(word) ? `'${word}'` : quoteShellArgument(word))).join(' ');
}
