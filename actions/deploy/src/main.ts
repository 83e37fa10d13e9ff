import '@circuitverse/shared/bundle-globals';
import {InputReader} from '@circuitverse/shared';
import {createActionsLogger, expectPostStep, failStep, isPostStep, setOutputs} from '@circuitverse/shared/actions';
import {readInputs} from './inputs.js';
import {deploy} from './run.js';

const logger = createActionsLogger();
try {
  if (!isPostStep()) {
    expectPostStep();
    const inputs = readInputs(new InputReader(process.env), logger);
    const outputs = await deploy(inputs, {logger});
    setOutputs({
      version: outputs.version,
      'previous-version': outputs.previousVersion,
      hosts: outputs.hosts,
      'rolled-back': String(outputs.rolledBack),
      'duration-ms': String(outputs.durationMs),
    });
  }
} catch (error) {
  failStep(error);
}
