import '@circuitverse/shared/bundle-globals';
import {InputReader} from '@circuitverse/shared';
import {createActionsLogger, expectPostStep, failStep, isPostStep, setOutputs} from '@circuitverse/shared/actions';
import Docker from 'dockerode';
import {readInputs} from './inputs.js';
import {buildImage} from './run.js';

const logger = createActionsLogger();
try {
  if (!isPostStep()) {
    expectPostStep();
    const inputs = readInputs(new InputReader(process.env), logger);
    const outputs = await buildImage(inputs, {docker: new Docker(), logger});
    setOutputs({digest: outputs.digest, 'image-ref': outputs.imageRef, tags: outputs.tags.join('\n'), version: outputs.version, metadata: outputs.metadata});
  }
} catch (error) {
  failStep(error);
}
