import * as core from '@actions/core';
import {ConfigError, errorMessage, FailureWithOutputs, RemoteError} from '../errors.js';
import {redactSecrets, resumeCommands} from './logger.js';

const postMarker = 'isPost';

/**
 * True when the runner runs this bundle as the action's `post` step. The main step leaves a marker in the
 * step state; the runner hands it back to the post step as `STATE_isPost`.
 */
export function isPostStep(): boolean {
  return core.getState(postMarker) === 'true';
}

/** Marks that a post step must follow, for actions that declare `runs.post`. */
export function expectPostStep(): void {
  resumeCommands();
  core.saveState(postMarker, 'true');
}

/** Saves a value for this action's post step. */
export function saveStepState(name: string, value: string): void {
  // Without GITHUB_STATE (or GITHUB_OUTPUT, below) core writes a workflow command instead of the file.
  resumeCommands();
  core.saveState(name, value);
}

/** Reads a value the main step saved. */
export function readStepState(name: string): string {
  return core.getState(name);
}

/** Sets every output; `undefined` values are left unset. */
export function setOutputs(outputs: Record<string, string | undefined>): void {
  resumeCommands();
  for (const [name, value] of Object.entries(outputs)) {
    if (value !== undefined) core.setOutput(name, value);
  }
}

/**
 * Fails the step with one line. Config errors and remote failures already say what to do; anything else is a
 * bug of ours, so its stack goes to the debug log where a maintainer can ask for it. An error may quote what it
 * failed on, a line of a key say, so all of it hides the masked secrets as the logger does.
 */
export function failStep(error: unknown): void {
  resumeCommands();
  if (!(error instanceof ConfigError || error instanceof RemoteError) && error instanceof Error && error.stack) {
    core.debug(redactSecrets(error.stack));
  }
  if (error instanceof RemoteError && error.cause !== undefined) core.debug(redactSecrets(`cause: ${errorMessage(error.cause)}`));
  // Redacted before the lines are joined: a secret quoted whole is hidden whole.
  core.setFailed(redactSecrets(errorMessage(error)).replace(/\s*\n\s*/g, ' '));
  // The exit code is what fails a JavaScript step. core.setFailed sets it; the stand-in core that
  // @github/local-action swaps in only records the failure.
  process.exitCode = 1;
}

/** What an action's step does: `main` returns what `outputs` turns into the step's outputs. */
export interface StepFrame<Outputs> {
  main: () => Promise<Outputs>;
  outputs: (outputs: Outputs) => Record<string, string | undefined>;
  /** For actions that declare `runs.post`: the runner runs the same bundle again after the job's steps. */
  post?: () => Promise<void>;
}

/**
 * Runs the step the runner started, main or post, and is the one place that fails it: an error fails the step in
 * one line, and a failure that carries outputs sets them first, so later steps read how far it got.
 */
export async function runStep<Outputs>(frame: StepFrame<Outputs>): Promise<void> {
  try {
    if (frame.post && isPostStep()) {
      await frame.post();
    } else {
      if (frame.post) expectPostStep();
      setOutputs(frame.outputs(await frame.main()));
    }
  } catch (error) {
    if (error instanceof FailureWithOutputs) {
      setOutputs(frame.outputs(error.outputs as Outputs));
      failStep(error.cause);
    } else {
      failStep(error);
    }
  }
}
