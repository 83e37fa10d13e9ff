import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow} from '@actions/workflow-parser';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';

// Every workflow we ship or run: the repository's own and the ready-made ones for users in examples/.
const root = join(import.meta.dirname, '../../..');
const workflows = [
  ...readdirSync(join(root, '.github/workflows')).map(file => `.github/workflows/${file}`),
  ...readdirSync(join(root, 'examples')).map(file => `examples/${file}`),
]
  .filter(path => /\.ya?ml$/.test(path))
  .sort();

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}

interface Workflow {
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, {steps?: Step[]; uses?: string}>;
}

/** Our own action a `uses:` names, by path or by repository: `./actions/deploy`, `circuitverse/actions/deploy@v1`. */
function ownAction(uses: string): string | undefined {
  return /^\.\/actions\/([^/@]+)$/.exec(uses)?.[1] ?? /^circuitverse\/actions\/([^/@]+)@[^/]+$/.exec(uses)?.[1];
}

function declaredInputs(action: string): {all: string[]; required: string[]} {
  const metadata = parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8')) as {inputs?: Record<string, {required?: boolean}>};
  const inputs = Object.entries(metadata.inputs ?? {});
  return {all: inputs.map(([name]) => name), required: inputs.filter(([, input]) => input.required === true).map(([name]) => name)};
}

it('finds the workflows', () => {
  expect(workflows).toContain('.github/workflows/ci.yml');
  expect(workflows.filter(path => path.startsWith('examples/')).length).toBeGreaterThanOrEqual(2);
});

describe.each(workflows)('%s', path => {
  const content = readFileSync(join(root, path), 'utf8');
  const workflow = parse(content) as Workflow;
  const steps = Object.entries(workflow.jobs).flatMap(([job, {steps = []}]) => steps.map((step, index) => ({job, index, step})));

  it('is a valid workflow for GitHub (@actions/workflow-parser: schema, expressions, job graph)', async () => {
    const trace = new NoOperationTraceWriter();
    const parsed = parseWorkflow({name: path, content}, trace);
    expect(parsed.context.errors.getErrors().map(error => error.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    if (!parsed.value) return;
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    expect((template.errors ?? []).map(error => error.Message)).toEqual([]);
    expect(template.jobs.length).toBeGreaterThan(0);
  });

  it('passes our actions only the inputs their action.yml declares, and every required one', () => {
    for (const {job, index, step} of steps) {
      const action = step.uses ? ownAction(step.uses) : undefined;
      if (!action) continue;
      const where = `${path}: jobs.${job}.steps[${index}] (${step.uses})`;
      expect(existsSync(join(root, 'actions', action, 'action.yml')), `${where} names no action of this repository`).toBe(true);
      const declared = declaredInputs(action);
      const given = Object.keys(step.with ?? {});
      expect(
        given.filter(name => !declared.all.includes(name)),
        `${where} passes undeclared inputs`,
      ).toEqual([]);
      expect(
        declared.required.filter(name => !given.includes(name)),
        `${where} leaves required inputs out`,
      ).toEqual([]);
    }
  });

  it('pins every third-party action by full commit SHA with a # vX.Y.Z comment', () => {
    const lines = content.split('\n').filter(line => /^\s*(-\s+)?uses:/.test(line));
    for (const line of lines) {
      const uses = /uses:\s*(\S+)/.exec(line)?.[1] ?? '';
      if (uses.startsWith('./') || ownAction(uses)) continue;
      expect(line, `${path}: ${uses}`).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+\s*$/);
    }
  });

  it('grants contents: read at the top and sets concurrency', () => {
    expect(workflow.permissions).toEqual({contents: 'read'});
    expect(workflow.concurrency).toBeDefined();
  });
});
