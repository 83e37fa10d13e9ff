export {createActionsLogger} from './logger.js';
export {readStepState, runStep, type StepFrame, saveStepState} from './step.js';
export {pipelineAttributes, type TracedAction, traceStep} from './trace-step.js';
