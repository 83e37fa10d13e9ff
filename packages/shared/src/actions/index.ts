export {createActionsLogger} from './logger.js';
export {expectPostStep, failStep, isPostStep, readStepState, saveStepState, setOutputs} from './step.js';
