export {createActionsLogger} from './logger.js';
export {readStepState, runStep, type StepFrame, saveStepState} from './step.js';
