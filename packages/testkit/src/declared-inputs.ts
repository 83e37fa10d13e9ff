import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {inputVariable} from './run-action.js';

export interface DeclaredInputsCheck {
  /** The inputs the action reads through `read` and the scenarios. */
  scenarios: Array<Record<string, string>>;
  /** Reads the inputs from `environment` as the action's main.ts does: `readInputs(new InputReader(environment), …)`. */
  read: (environment: Record<string, string | undefined>) => unknown;
  /** Declared inputs the code does not read on purpose, each with the reason. */
  unused?: Record<string, string>;
}

export interface InputMismatch {
  /** Inputs the code reads that action.yml does not declare: a typo, or a declaration forgotten. */
  undeclared: string[];
  /** Inputs action.yml declares that nothing reads (and `unused` does not explain). */
  unread: string[];
}

// The InputReader methods, each called with the input's name first.
const readCall = /\breader\.(?:optional|required|boolean|list|duration|integer|choice|keyValues)\(\s*'([^']+)'/g;

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, {withFileTypes: true, recursive: true})
    .filter(entry => entry.isFile() && entry.name.endsWith('.ts'))
    .map(entry => join(entry.parentPath, entry.name));
}

/**
 * Compares action.yml's inputs with those the action reads. Each scenario runs `read` over an environment that records
 * every `INPUT_*` variable looked up, which finds the names read anywhere (the shared SSH inputs too) and keeps working
 * as inputs are added; the action's `src/` is also searched for `reader.<kind>('name'` calls, so that a name read only
 * on a path no scenario takes is checked as well.
 */
export function findInputMismatch(actionDir: string, check: DeclaredInputsCheck): InputMismatch {
  const metadata = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as {inputs?: Record<string, unknown>};
  const declared = Object.keys(metadata.inputs ?? {});
  const byVariable = new Map(declared.map(name => [inputVariable(name), name]));
  const looked = new Set<string>();
  for (const scenario of check.scenarios) {
    const values: Record<string, string | undefined> = Object.fromEntries(Object.entries(scenario).map(([name, value]) => [inputVariable(name), value]));
    check.read(
      new Proxy(values, {
        get: (target, property) => {
          if (typeof property === 'string' && property.startsWith('INPUT_')) looked.add(property);
          return typeof property === 'string' ? target[property] : undefined;
        },
      }),
    );
  }
  const read = new Set([...looked].map(variable => byVariable.get(variable) ?? variable.slice('INPUT_'.length).toLowerCase()));
  for (const file of sourceFiles(join(actionDir, 'src'))) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(readCall)) read.add(name as string);
  }
  const unused = check.unused ?? {};
  return {
    undeclared: [...read].filter(name => !declared.includes(name)).sort(),
    unread: declared.filter(name => !read.has(name) && !(name in unused)).sort(),
  };
}
