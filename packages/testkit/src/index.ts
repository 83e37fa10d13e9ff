export {catchConfigError, type ThrownConfigError} from './config-error.js';
export {type LoadFailure, type LoadReport, type LoadResponse, type LoadTarget, startLoad} from './load-client.js';
export {type LocalActionOptions, type LocalActionRun, runLocalAction} from './local-action.js';
export {keyValueLines, type RailsAppOptions, railsAppDeployInputs, railsAppSettings, resetAppDatabase} from './rails-app.js';
export {type ActionRun, parseFileCommands, pushEvent, type RunActionOptions, runAction, runPostStep} from './run-action.js';
export {findSandbox, type RailsAppRelease, type Sandbox, type SandboxHost, type SandboxRailsApp, sandboxDir} from './sandbox.js';
export {hostRun, sshRun} from './ssh.js';
export {generateSshKeyPair} from './ssh-keys.js';
export {pushTestApp} from './test-app.js';
