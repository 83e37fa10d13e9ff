import {describe, expect, it} from 'vitest';
import {pipelineAttributes} from '../src/actions/trace-step.js';
import {ConfigError} from '../src/errors.js';
import {noopTracer, parseTraceparent, traceIdOf, tracesRequested} from '../src/tracer.js';

describe('tracesRequested', () => {
  it.each([
    [{}, false],
    [{OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318'}, true],
    [{OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces'}, true],
    [{OTEL_EXPORTER_OTLP_ENDPOINT: ' '}, false],
    [{OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true'}, false],
    [{OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none'}, false],
  ])('%j: %s', (environment, expected) => {
    expect(tracesRequested(environment)).toBe(expected);
  });
});

describe('parseTraceparent', () => {
  const valid = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('takes a W3C traceparent, and nothing for none', () => {
    expect(parseTraceparent(valid)).toBe(valid);
    expect(traceIdOf(valid)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it.each([
    '0af7651916cd43dd8448eb211c80319c',
    '00-00000000000000000000000000000000-b7ad6b7169203331-01',
    '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
    '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
  ])('refuses %s naming the input', value => {
    expect(() => parseTraceparent(value)).toThrow(ConfigError);
  });
});

describe('noopTracer', () => {
  it('runs the work and records nothing', async () => {
    const work = async (span: {addEvent(name: string): void}) => {
      span.addEvent('e');
      return 42;
    };
    await expect(noopTracer.span('x', {}, work)).resolves.toBe(42);
    await expect(noopTracer.span('x', {}, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(noopTracer.traceparent()).toBeUndefined();
  });
});

describe('pipelineAttributes', () => {
  it("follows the CI/CD and VCS conventions from the runner's variables", () => {
    const environment = {
      GITHUB_WORKFLOW: 'Deploy',
      GITHUB_RUN_ID: '9753949763',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_JOB: 'ship',
      GITHUB_ACTION: 'deploy',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'circuitverse/circuitverse',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      RUNNER_NAME: 'runner-1',
    };
    expect(pipelineAttributes({name: 'deploy', taskType: 'deploy'}, environment)).toEqual({
      'cicd.pipeline.name': 'Deploy',
      'cicd.pipeline.run.id': '9753949763',
      'cicd.pipeline.run.url.full': 'https://github.com/circuitverse/circuitverse/actions/runs/9753949763/attempts/2',
      'cicd.pipeline.task.name': 'deploy',
      'cicd.pipeline.task.run.id': '9753949763/2/ship/deploy',
      'cicd.pipeline.task.type': 'deploy',
      'cicd.worker.name': 'runner-1',
      'vcs.repository.url.full': 'https://github.com/circuitverse/circuitverse',
      'vcs.repository.name': 'circuitverse',
      'vcs.ref.head.revision': '0123456789abcdef0123456789abcdef01234567',
      'vcs.ref.head.name': 'main',
      'vcs.ref.head.type': 'branch',
    });
  });

  it('names the head branch of a pull request, and leaves out what the runner did not say', () => {
    const attributes = pipelineAttributes({name: 'build-image', taskType: 'build'}, {GITHUB_HEAD_REF: 'feature', GITHUB_REF_NAME: '7/merge'});
    expect(attributes['vcs.ref.head.name']).toBe('feature');
    expect(attributes['cicd.pipeline.run.url.full']).toBeUndefined();
  });
});
