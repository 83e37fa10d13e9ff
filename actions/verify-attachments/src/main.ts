import '@circuitverse/shared/bundle-globals';
import {InputReader} from '@circuitverse/shared';
import {createActionsLogger, failStep, setOutputs} from '@circuitverse/shared/actions';
import {readInputs} from './inputs.js';
import {verifyAttachments} from './run.js';

const logger = createActionsLogger();
try {
  const inputs = readInputs(new InputReader(process.env), logger, new Date());
  const outputs = await verifyAttachments(inputs, {logger});
  setOutputs({
    sampled: String(outputs.sampled),
    missing: String(outputs.missing),
    mismatched: String(outputs.mismatched),
    unverifiable: String(outputs.unverifiable),
    'missing-rate': String(outputs.missingRate),
    'missing-rate-upper': String(outputs.missingRateUpper),
    report: outputs.report,
  });
} catch (error) {
  failStep(error);
}
