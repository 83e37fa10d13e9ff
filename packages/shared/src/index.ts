export {formatBytes} from './bytes.js';
export {type Clock, systemClock} from './clock.js';
export {formatDuration, parseDuration} from './duration.js';
export {ConfigError, errorMessage, FailureWithOutputs, lastLine, RemoteError} from './errors.js';
export {type ImageRef, isRepository, isTag, parseImageRef} from './image-ref.js';
export {type Environment, InputReader, inputVariableName, type KeyValueOptions} from './inputs.js';
export {type Annotation, createConsoleLogger, type Logger, SecretRedactor, timePhase} from './logger.js';
export {quoteShellArgument, toShellCommand} from './shell-quote.js';
export {parseSshTarget, type SshTarget} from './ssh-target.js';
