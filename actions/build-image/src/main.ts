import '@circuitverse/shared/bundle-globals';
import {InputReader, parseTraceparent} from '@circuitverse/shared';
import {createActionsLogger, readStepState, runStep, saveStepState, traceStep} from '@circuitverse/shared/actions';
import {runCommand} from './command-runner.js';
import {readGitHubContext} from './github-context.js';
import {readInputs, registryCredentials} from './inputs.js';
import {RegistryClient} from './registry.js';
import {type BuildImageOutputs, buildImage} from './run.js';
import {removeStepDirectory, stepDirectoryState} from './step-files.js';

/** The build step, or its post step that removes what the build left on the runner. */
export async function run(): Promise<void> {
  const logger = createActionsLogger();
  await runStep({
    main: () => {
      const reader = new InputReader(process.env);
      return traceStep(
        {name: 'build-image', taskType: 'build'},
        {traceparent: parseTraceparent(reader.optional('traceparent')), logger},
        async (tracer, root) => {
          const inputs = readInputs(reader, logger);
          root.setAttributes({'container.image.name': inputs.image});
          // dockerode (with gRPC and ssh2) is most of this bundle's start-up time, and the post step never needs it.
          const {default: Docker} = await import('dockerode');
          return buildImage(inputs, readGitHubContext(process.env), {
            docker: new Docker(),
            tracer,
            runCommand,
            registry: new RegistryClient(inputs.image, registryCredentials(inputs)),
            clock: Date,
            logger,
            saveState: saveStepState,
            environment: process.env,
          });
        },
      );
    },
    outputs: (outputs: BuildImageOutputs) => ({
      digest: outputs.digest,
      'image-ref': outputs.imageRef,
      tags: outputs.tags.join('\n'),
      version: outputs.version,
      metadata: outputs.metadata,
    }),
    post: async () => {
      if (await removeStepDirectory(readStepState(stepDirectoryState))) logger.info('Removed the registry login and secrets the build step left behind.');
    },
  });
}
