export {catchConfigError, type ThrownConfigError} from './config-error.js';
export {type LoadFailure, type LoadReport, type LoadResponse, type LoadTarget, startLoad} from './load-client.js';
export {keyValueLines, type RailsAppOptions, railsAppDeployInputs, railsAppSettings, resetAppDatabase} from './rails-app.js';
export {type ActionRun, inputVariable, pushEvent, type RunActionOptions, runAction, runActionJob, runPostStep} from './run-action.js';
export {findSandbox, type RailsAppRelease, requireSandbox, type Sandbox, type SandboxHost, type SandboxRailsApp, sandboxDir} from './sandbox.js';
export {hostRun, sshRun} from './ssh.js';
export {generateSshKeyPair} from './ssh-keys.js';
export {pushTestApp} from './test-app.js';
export {createLogTranslator, maskedValues, parseFileCommands, parseWorkflowCommand, type WorkflowCommand} from './workflow-commands.js';
