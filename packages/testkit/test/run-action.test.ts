import {existsSync} from 'node:fs';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {pushEvent, runAction, runActionJob, runPostStep} from '../src/run-action.js';
import {parseFileCommands} from '../src/workflow-commands.js';

const echoAction = join(import.meta.dirname, 'fixtures/echo-action');

describe('runAction', () => {
  it('sets inputs with the runner name mangling and applies declared defaults', async () => {
    const run = await runAction(echoAction, {inputs: {'plain-name': 'value'}});
    const seen = JSON.parse(run.outputs.seen as string);
    expect(seen.inputs).toEqual({'INPUT_PLAIN-NAME': 'value', INPUT_WITH_DEFAULT: 'fallback'});
    expect(run.exitCode).toBe(0);
    expect(seen.cwd).toBe(true);
  });

  it('refuses an input the action does not declare', async () => {
    await expect(runAction(echoAction, {inputs: {'not-declared': 'x'}})).rejects.toThrow('declares no input "not-declared"');
  });

  it('takes an INPUT_* variable from env over the default, and the input over both', async () => {
    const fromEnv = await runAction(echoAction, {inputs: {'plain-name': 'x'}, env: {INPUT_WITH_DEFAULT: 'from env', 'INPUT_PLAIN-NAME': 'ignored'}});
    expect(JSON.parse(fromEnv.outputs.seen as string).inputs).toEqual({'INPUT_PLAIN-NAME': 'x', INPUT_WITH_DEFAULT: 'from env'});
  });

  it('fails loudly when the bundle is not built, rather than reporting no errors', async () => {
    const unbuilt = await mkdtemp(join(tmpdir(), 'unbuilt-action-'));
    await writeFile(
      join(unbuilt, 'action.yml'),
      `name: Unbuilt\ndescription: x\nruns:\n  using: node${process.versions.node.split('.')[0]}\n  main: dist/index.js\n`,
    );
    await expect(runAction(unbuilt)).rejects.toThrow(`${join(unbuilt, 'dist/index.js')} does not exist: build the action first`);
  });

  it('hands over the event payload and name, and ACT=true when asked', async () => {
    const event = pushEvent({ref: 'refs/tags/v1.2.3'});
    const run = await runAction(echoAction, {inputs: {'plain-name': 'x'}, eventName: 'push', event, act: true});
    const seen = JSON.parse(run.outputs.seen as string);
    expect(seen.event.ref).toBe('refs/tags/v1.2.3');
    expect(seen.eventName).toBe('push');
    expect(seen.act).toBe('true');
    expect(run.environment.GITHUB_REF_TYPE).toBe('tag');
    expect(run.environment.GITHUB_REF_NAME).toBe('v1.2.3');
  });

  it('masks what the step masked, keeping the raw log for leak checks', async () => {
    const run = await runAction(echoAction, {inputs: {'plain-name': 'x', secret: 's3cr3t-value'}});
    expect(run.log).toContain('secret is ***');
    expect(run.log).not.toContain('s3cr3t-value');
    expect(run.rawLog).toContain('secret is s3cr3t-value');
  });

  it('collects the summary, annotations and exit code', async () => {
    const run = await runAction(echoAction, {inputs: {'plain-name': 'fail'}});
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['it failed']);
    expect(run.warnings).toEqual(['careful']);
    expect(run.summary).toBe('# summary\n');
  });

  it('leaves the summary file out when asked, as old act versions do', async () => {
    const run = await runAction(echoAction, {inputs: {'plain-name': 'x'}, withoutSummaryFile: true});
    expect(run.environment.GITHUB_STEP_SUMMARY).toBeUndefined();
    expect(run.summary).toBe('');
  });

  it('runs the post step with the state the main step saved', async () => {
    const main = await runAction(echoAction, {inputs: {'plain-name': 'x'}});
    expect(main.state).toEqual({phase: 'main'});
    const post = await runPostStep(echoAction, main, {inputs: {'plain-name': 'x'}});
    expect(post.log).toContain('post step sees state main');
    expect(post.environment.RUNNER_TEMP).toBe(main.environment.RUNNER_TEMP);
    expect(post.environment.GITHUB_OUTPUT).not.toBe(main.environment.GITHUB_OUTPUT);
  });

  it('runs a job of main and post step, then removes its directory', async () => {
    const lines: string[] = [];
    const {main, post} = await runActionJob(echoAction, {inputs: {'plain-name': 'x'}, onLine: line => lines.push(line)});
    expect(main.exitCode).toBe(0);
    expect(post?.exitCode).toBe(0);
    expect(lines).toContain('post step sees state main');
    expect(existsSync(main.jobDirectory)).toBe(false);
  });
});

describe('parseFileCommands', () => {
  it.each([
    ['a heredoc value', 'name<<ghadelimiter_1\nvalue\nghadelimiter_1\n', {name: 'value'}],
    ['a multi-line value', 'tags<<d\na\nb\nd\n', {tags: 'a\nb'}],
    ['an empty value', 'empty<<d\n\nd\n', {empty: ''}],
    ['the legacy form', 'name=value=with=equals\n', {name: 'value=with=equals'}],
    ['several values', 'a<<d\n1\nd\nb<<e\n2\ne\n', {a: '1', b: '2'}],
  ])('reads %s', (_, text, expected) => {
    expect(parseFileCommands(text)).toEqual(expected);
  });

  it('refuses an unterminated value', () => {
    expect(() => parseFileCommands('name<<d\nvalue\n')).toThrow('Unterminated value for name');
  });
});
