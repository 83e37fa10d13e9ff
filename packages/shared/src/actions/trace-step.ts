import {errorMessage} from '../errors.js';
import type {Environment} from '../inputs.js';
import type {Logger} from '../logger.js';
import type {Span, SpanAttributes, Tracer} from '../span.js';
import {noopSpan, noopTracer, startTracing, traceIdOf} from '../tracer.js';
import {redactSecrets} from './logger.js';
import {setOutputs} from './step.js';

/** Which action a trace is of, in the CI/CD conventions' words. */
export interface TracedAction {
  /** The action's name: the root span's, and `service.name` unless the environment names one. */
  name: string;
  /** cicd.pipeline.task.type: build, deploy or test. */
  taskType: 'build' | 'deploy' | 'test';
}

/**
 * The root span's attributes, from the runner's `GITHUB_*` variables, after OpenTelemetry's CI/CD and VCS semantic
 * conventions: the workflow is the pipeline, this step its task, and the run's URL is the attempt's page.
 */
export function pipelineAttributes(action: TracedAction, environment: Environment): SpanAttributes {
  const server = environment.GITHUB_SERVER_URL || 'https://github.com';
  const repository = environment.GITHUB_REPOSITORY;
  const runId = environment.GITHUB_RUN_ID;
  const attempt = environment.GITHUB_RUN_ATTEMPT;
  const runUrl = repository && runId ? `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}` : undefined;
  const refType = environment.GITHUB_REF_TYPE;
  return {
    'cicd.pipeline.name': environment.GITHUB_WORKFLOW,
    'cicd.pipeline.run.id': runId,
    'cicd.pipeline.run.url.full': runUrl,
    'cicd.pipeline.task.name': action.name,
    'cicd.pipeline.task.run.id':
      runId && environment.GITHUB_JOB ? `${runId}/${attempt ?? '1'}/${environment.GITHUB_JOB}/${environment.GITHUB_ACTION ?? ''}` : undefined,
    'cicd.pipeline.task.type': action.taskType,
    'cicd.worker.name': environment.RUNNER_NAME,
    'vcs.repository.url.full': repository ? `${server}/${repository}` : undefined,
    'vcs.repository.name': repository?.split('/')[1],
    'vcs.ref.head.revision': environment.GITHUB_SHA,
    'vcs.ref.head.name': environment.GITHUB_HEAD_REF || environment.GITHUB_REF_NAME,
    'vcs.ref.head.type': refType === 'tag' || refType === 'branch' ? refType : undefined,
  };
}

/**
 * Runs a step's work as one trace when the environment names an OTLP endpoint (see tracer.ts), continuing
 * `traceparent` when given, and sets the `trace-id` and `traceparent` outputs before the work starts, so that a step
 * that fails still hands them on. The work reads its inputs inside, so that a bad one fails the trace too, and puts
 * what it learns of the run on `root`. Without an endpoint, `work` gets `noopTracer` and nothing is loaded.
 */
export async function traceStep<T>(
  action: TracedAction,
  request: {traceparent: string | undefined; logger: Logger; environment?: Environment},
  work: (tracer: Tracer, root: Span) => Promise<T>,
): Promise<T> {
  const environment = request.environment ?? process.env;
  const warn = (message: string) => request.logger.warning(message);
  // Tracing is never a reason for a step to fail: an SDK that cannot start is one warning, and no trace.
  const tracing = await startTracing(environment, {serviceName: action.name, warn, redact: redactSecrets}).catch((error: unknown) => {
    warn(`OpenTelemetry: could not start tracing (${redactSecrets(errorMessage(error))}); the step goes on without it.`);
    return undefined;
  });
  if (!tracing) return work(noopTracer, noopSpan);
  try {
    return await tracing.root(action.name, pipelineAttributes(action, environment), request.traceparent, root => {
      const traceparent = tracing.tracer.traceparent();
      if (traceparent) setOutputs({'trace-id': traceIdOf(traceparent), traceparent});
      return work(tracing.tracer, root);
    });
  } finally {
    await tracing.shutdown();
  }
}
