/** One `::name key=value,…::message` line a step printed, unescaped as the runner unescapes it. */
export interface WorkflowCommand {
  name: string;
  properties: Record<string, string>;
  message: string;
}

// @actions/core's escapeData turns % into %25, CR into %0D and LF into %0A; escapeProperty also turns : into %3A
// and , into %2C. Undone in one pass, so a %25 never becomes the start of another escape.
const dataEscapes: Record<string, string> = {'%25': '%', '%0D': '\r', '%0A': '\n'};
const propertyEscapes: Record<string, string> = {...dataEscapes, '%3A': ':', '%2C': ','};

function unescapeData(text: string): string {
  return text.replace(/%(25|0D|0A)/g, sequence => dataEscapes[sequence] as string);
}

function unescapeProperty(text: string): string {
  return text.replace(/%(25|0D|0A|3A|2C)/g, sequence => propertyEscapes[sequence] as string);
}

/** The workflow command on `line`, or `undefined` for a plain log line. */
export function parseWorkflowCommand(line: string): WorkflowCommand | undefined {
  const command = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/s.exec(line);
  if (!command) return undefined;
  const [, name = '', properties = '', data = ''] = command;
  return {
    name,
    properties: Object.fromEntries(
      properties
        .split(',')
        .filter(pair => pair.includes('='))
        .map(pair => [pair.slice(0, pair.indexOf('=')), unescapeProperty(pair.slice(pair.indexOf('=') + 1))]),
    ),
    message: unescapeData(data),
  };
}

/** What an `::add-mask::` hides: the value and, as the runner does, each of its lines. */
export function maskedValues(message: string): string[] {
  return [message, ...message.split(/\r?\n/)].filter(value => value.trim() !== '');
}

/** Reads a file written with `@actions/core`'s file commands: `name<<delimiter` blocks, or legacy `name=value`. */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter as string, index + 1);
      if (end === -1) throw new Error(`Unterminated value for ${name} in a file command.`);
      values[name] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (line.includes('=')) {
      values[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return values;
}

/**
 * Turns a step's log, line by line, into what a person reads in a terminal: groups indented, annotations with their
 * title, debug lines only when asked, the other commands dropped, every masked value replaced by `***`.
 */
export function createLogTranslator({write, debug = false}: {write: (line: string) => void; debug?: boolean}): (line: string) => void {
  const secrets = new Set<string>();
  const redact = (text: string) => [...secrets].sort((a, b) => b.length - a.length).reduce((line, secret) => line.split(secret).join('***'), text);
  let depth = 0;
  const indent = () => '  '.repeat(depth);
  return line => {
    const command = parseWorkflowCommand(line);
    if (!command) return write(`${indent()}${redact(line)}`);
    const {name, properties, message} = command;
    switch (name) {
      case 'add-mask':
        for (const secret of maskedValues(message)) secrets.add(secret);
        return;
      case 'group':
        write(`${indent()}▸ ${redact(message)}`);
        depth++;
        return;
      case 'endgroup':
        depth = Math.max(0, depth - 1);
        return;
      case 'debug':
        if (debug) write(`${indent()}debug: ${redact(message)}`);
        return;
      case 'error':
      case 'warning':
      case 'notice':
        write(`${indent()}${name}: ${properties.title ? `${redact(properties.title)}: ` : ''}${redact(message)}`);
        return;
      default:
        return;
    }
  };
}
