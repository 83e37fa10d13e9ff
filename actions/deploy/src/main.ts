import '@circuitverse/shared/bundle-globals';
import {InputReader, parseTraceparent, systemClock} from '@circuitverse/shared';
import {createActionsLogger, readStepState, runStep, saveStepState, traceStep} from '@circuitverse/shared/actions';
import {connectSsh} from '@circuitverse/shared/ssh';
import {DeployHost} from './deploy-host.js';
import {readInputs} from './inputs.js';
import {type DeployPlan, plan} from './plan.js';
import {releaseLocks} from './post.js';
import {type DeployCollaborators, type DeployOutputs, deploy} from './run.js';
import {deploySwarm} from './swarm/deploy-swarm.js';
import {openSwarmManager, releaseSwarmLock} from './swarm/manager.js';

function toOutputs(outputs: DeployOutputs) {
  return {
    version: outputs.version,
    'previous-version': outputs.previousVersion,
    // Versions a host never had are null, not missing: consumers read the same keys for every host.
    hosts: JSON.stringify(outputs.hosts, (_key, value) => value ?? null),
    'rolled-back': String(outputs.rolledBack),
    'duration-ms': String(outputs.durationMs),
  };
}

/** The deploy step, or its post step that releases a lock a cancelled deploy left behind. */
export async function run(): Promise<void> {
  const logger = createActionsLogger();
  await runStep({
    main: (): Promise<DeployOutputs | DeployPlan> => {
      const reader = new InputReader(process.env);
      const traceparent = parseTraceparent(reader.optional('traceparent'));
      return traceStep<DeployOutputs | DeployPlan>({name: 'deploy', taskType: 'deploy'}, {traceparent, logger}, (tracer, root) => {
        const inputs = readInputs(reader, logger);
        root.setAttributes({'deployment.environment.name': inputs.deploymentEnvironment, 'circuitverse.deploy.service': inputs.service});
        // The runner cancels a job with SIGINT, then SIGTERM: stop at the next safe point and release the lock.
        const cancellation = new AbortController();
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => cancellation.abort());
        const collaborators: DeployCollaborators = {
          logger,
          tracer,
          clock: systemClock,
          openHost: async target => new DeployHost(await connectSsh(target, inputs.ssh), inputs.service),
          origin: {
            actor: process.env.GITHUB_ACTOR ?? 'unknown',
            runUrl: `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${process.env.GITHUB_REPOSITORY ?? ''}/actions/runs/${process.env.GITHUB_RUN_ID ?? ''}`,
          },
          signal: cancellation.signal,
          rememberLock: token => saveStepState('lock-token', token),
          forgetLock: () => saveStepState('lock-token', ''),
        };
        if (inputs.driver === 'swarm') return deploySwarm(inputs, {...collaborators, openManager: () => openSwarmManager(inputs)});
        return inputs.plan ? plan(inputs, collaborators) : deploy(inputs, collaborators);
      });
    },
    outputs: outputs => ('mode' in outputs ? {plan: JSON.stringify(outputs, (_key, value) => value ?? null)} : toOutputs(outputs)),
    post: async () => {
      // The safety net: a cancelled or killed main step may have left its lock on some host.
      const token = readStepState('lock-token');
      if (token) {
        const inputs = readInputs(new InputReader(process.env), logger);
        if (inputs.driver === 'swarm') return releaseSwarmLock(inputs, token, logger);
        await releaseLocks(inputs, token, {logger, connect: target => connectSsh(target, inputs.ssh)});
      }
    },
  });
}
