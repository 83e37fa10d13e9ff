import {readFile} from 'node:fs/promises';
import type {Logger} from '@circuitverse/shared';
import {type BuildRequest, planBuildCommand} from './build-command.js';
import {BuildProgress} from './build-progress.js';
import type {RunCommand} from './command-runner.js';
import type {BuildCli} from './docker-cli.js';

/** Builds with the docker CLI, streaming its log, and returns the image ID; throws naming the step that failed. */
export async function runBuild(cli: BuildCli, request: BuildRequest, runCommand: RunCommand, logger: Logger): Promise<string> {
  const {argv, env} = planBuildCommand(cli, request);
  const progress = new BuildProgress();
  const result = await runCommand(argv, {
    env,
    onLine: line => {
      // What a RUN instruction prints is the build's, not ours: a line of it must not act as a workflow command.
      logger.untrusted(line);
      progress.read(line);
    },
  });
  if (result.exitCode !== 0) throw progress.failure(result.output);
  return (await readFile(request.iidFile, 'utf8')).trim();
}
