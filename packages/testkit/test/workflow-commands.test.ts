import {describe, expect, it} from 'vitest';
import {createLogTranslator, maskedValues, parseWorkflowCommand} from '../src/workflow-commands.js';

describe('parseWorkflowCommand', () => {
  it('unescapes the message as escapeData escaped it: %, CR and LF only', () => {
    expect(parseWorkflowCommand('::error::50%25 done%0Aat http%3A//x%2C y')).toEqual({
      name: 'error',
      properties: {},
      message: '50% done\nat http%3A//x%2C y',
    });
  });

  it('unescapes properties as escapeProperty escaped them: also : and ,', () => {
    expect(parseWorkflowCommand('::warning title=Step%3A build%2C push,file=a.ts::careful')?.properties).toEqual({title: 'Step: build, push', file: 'a.ts'});
  });

  it('undoes each escape once: an escaped %0A stays %0A', () => {
    expect(parseWorkflowCommand('::notice::%250A')?.message).toBe('%0A');
  });

  it('leaves a plain line alone', () => {
    expect(parseWorkflowCommand('Building app: done')).toBeUndefined();
  });
});

describe('maskedValues', () => {
  it('hides a multi-line value whole and line by line, never an empty line', () => {
    expect(maskedValues('line one\n\nline two')).toEqual(['line one\n\nline two', 'line one', 'line two']);
  });
});

describe('createLogTranslator', () => {
  function translate(lines: string[], debug = false): string[] {
    const written: string[] = [];
    const translator = createLogTranslator({write: line => written.push(line), debug});
    for (const line of lines) translator(line);
    return written;
  }

  it('indents groups, titles annotations and masks what was masked', () => {
    expect(translate(['::add-mask::hunter2', '::group::Connect', 'password hunter2', '::warning title=Host%3A web-1::slow', '::endgroup::', 'done'])).toEqual([
      '▸ Connect',
      '  password ***',
      '  warning: Host: web-1: slow',
      'done',
    ]);
  });

  it('shows debug lines only when asked', () => {
    expect(translate(['::debug::detail'])).toEqual([]);
    expect(translate(['::debug::detail'], true)).toEqual(['debug: detail']);
  });
});
