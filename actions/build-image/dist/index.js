import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 7935:
/***/ ((module, __unused_webpack___webpack_exports__, __nccwpck_require__) => {

__nccwpck_require__.a(module, async (__webpack_handle_async_dependencies__, __webpack_async_result__) => { try {
/* harmony import */ var _main_js__WEBPACK_IMPORTED_MODULE_0__ = __nccwpck_require__(280);

await (0,_main_js__WEBPACK_IMPORTED_MODULE_0__/* .run */ .e)();

__webpack_async_result__();
} catch(e) { __webpack_async_result__(e); } }, 1);

/***/ }),

/***/ 280:
/***/ ((__unused_webpack_module, __webpack_exports__, __nccwpck_require__) => {


// EXPORTS
__nccwpck_require__.d(__webpack_exports__, {
  e: () => (/* binding */ run)
});

;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:url"
const external_node_url_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:url");
;// CONCATENATED MODULE: ../../packages/shared/dist/bundle-globals.js
// The actions are bundled as ES modules, which have no `__dirname`. ssh2 (reached through dockerode) loads its
// poly1305 wasm helper with emscripten code that reads `__dirname` at the first SSH handshake. Each action's
// main.ts imports this module first, so the name exists before any bundled CommonJS module runs.


const commonJsGlobals = globalThis;
commonJsGlobals.__filename ??= (0,external_node_url_namespaceObject.fileURLToPath)(import.meta.url);
commonJsGlobals.__dirname ??= (0,external_node_path_namespaceObject.dirname)(commonJsGlobals.__filename);
//# sourceMappingURL=bundle-globals.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/bytes.js
/**
 * Bytes for a message, in the units the figure is known by: `binary` (KiB, MiB: memory, as Docker's limits and the
 * kernel count it; two decimals at most) or `decimal` (kB, MB: image sizes, as Docker shows them; three significant
 * digits).
 */
function formatBytes(bytes, units) {
    const binary = units === 'binary';
    const names = binary ? ['B', 'KiB', 'MiB', 'GiB', 'TiB'] : ['B', 'kB', 'MB', 'GB', 'TB'];
    const step = binary ? 1024 : 1000;
    let value = bytes;
    let unit = 0;
    while (value >= step && unit < names.length - 1) {
        value /= step;
        unit++;
    }
    const shown = binary ? Number(value.toFixed(2)) : unit === 0 ? value : value.toPrecision(3);
    return `${shown} ${names[unit]}`;
}
//# sourceMappingURL=bytes.js.map
;// CONCATENATED MODULE: external "node:timers/promises"
const promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:timers/promises");
;// CONCATENATED MODULE: ../../packages/shared/dist/clock.js

const systemClock = {
    now: () => Date.now(),
    sleep: async (milliseconds) => {
        await (0,promises_namespaceObject.setTimeout)(milliseconds);
    },
};
//# sourceMappingURL=clock.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/duration.js
const unitMilliseconds = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/**
 * Parses a duration such as `30s`, `2m`, `1m30s`, `500ms` or `1h` into milliseconds.
 * A bare number is refused: `30` could mean seconds or milliseconds, and a deploy timeout must not guess.
 * Returns `undefined` when the text is not a duration.
 */
function parseDuration(text) {
    const trimmed = text.trim();
    if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed))
        return undefined;
    let total = 0;
    for (const [, amount, , unit] of trimmed.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
        total += Number(amount) * unitMilliseconds[unit];
    }
    return Math.round(total);
}
/** Formats milliseconds for a log line: `850ms`, `12.3s`, `2m05s`. */
function formatDuration(milliseconds) {
    // Each unit is chosen after rounding to its precision, so 999.6ms reads 1.0s, not 1000ms, and 59.99s reads 1m00s, not 60.0s.
    if (Math.round(milliseconds) < 1000)
        return `${Math.round(milliseconds)}ms`;
    if (Math.round(milliseconds / 100) < 600)
        return `${(milliseconds / 1000).toFixed(1)}s`;
    const totalSeconds = Math.round(milliseconds / 1000);
    return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
}
//# sourceMappingURL=duration.js.map
// EXTERNAL MODULE: ../../packages/shared/dist/errors.js
var errors = __nccwpck_require__(6246);
;// CONCATENATED MODULE: ../../packages/shared/dist/image-ref.js
// The grammar of docker/distribution's reference package (reference/regexp.go), kept to what users write.
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const repositoryPattern = new RegExp(`^(?:(${domain})/)?(${pathComponent}(?:/${pathComponent})*)$`);
const tagPattern = /^[\w][\w.-]{0,127}$/;
const digestPattern = /^sha256:[a-f0-9]{64}$/;
// A first component is a registry only when it looks like a host; otherwise `circuitverse/app` is on Docker Hub.
// As in Docker's splitDockerDomain, upper case makes it a host too: a Docker Hub path is lower case.
function splitRegistry(repository) {
    const match = repositoryPattern.exec(repository);
    const first = match?.[1];
    const looksLikeHost = (text) => text.includes('.') || text.includes(':') || text === 'localhost' || text.startsWith('[') || text !== text.toLowerCase();
    if (first && looksLikeHost(first))
        return first;
    return 'docker.io';
}
/** True when the text is a repository name with no tag or digest. */
function isRepository(text) {
    return text.length <= 255 && repositoryPattern.test(text);
}
/** True when the text is a valid tag. */
function isTag(text) {
    return tagPattern.test(text);
}
/** Parses `repository[:tag][@digest]`; `undefined` when it is not a valid reference. */
function parseImageRef(text) {
    let rest = text;
    let digest;
    const at = rest.indexOf('@');
    if (at !== -1) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!digestPattern.test(digest))
            return undefined;
    }
    let tag;
    const lastColon = rest.lastIndexOf(':');
    if (lastColon > rest.lastIndexOf('/')) {
        tag = rest.slice(lastColon + 1);
        rest = rest.slice(0, lastColon);
        if (!isTag(tag))
            return undefined;
    }
    if (!isRepository(rest))
        return undefined;
    return { registry: splitRegistry(rest), repository: rest, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}
//# sourceMappingURL=image-ref.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/inputs.js


/** The environment variable the Actions runner sets for an input: spaces become `_`, upper case, hyphens kept. */
function inputVariableName(name) {
    return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}
const environmentKey = { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, description: 'a letter or _ followed by letters, digits or _' };
const booleanSpellings = { true: true, True: true, TRUE: true, false: false, False: false, FALSE: false };
/**
 * Reads action inputs from an environment (the runner's `INPUT_*` variables, or a terminal's) into typed values.
 * Every problem is a `ConfigError` that names the input and says how to fix it.
 */
class InputReader {
    environment;
    constructor(environment) {
        this.environment = environment;
    }
    /** The trimmed value, or `undefined` when the input is unset or blank. */
    optional(name) {
        const value = this.environment[inputVariableName(name)]?.trim();
        return value === '' ? undefined : value;
    }
    /** The trimmed value; `expected` tells the user what to put there when it is missing. */
    required(name, expected) {
        const value = this.optional(name);
        if (value === undefined)
            throw new errors/* ConfigError */.xL(name, 'is required', `Set it to ${expected}.`);
        return value;
    }
    /** Only the YAML 1.2 core spellings that `@actions/core` accepts: true, True, TRUE, false, False, FALSE. */
    boolean(name, fallback) {
        const value = this.optional(name);
        if (value === undefined)
            return fallback;
        const parsed = booleanSpellings[value];
        if (parsed === undefined)
            throw new errors/* ConfigError */.xL(name, `must be true or false, not "${value}"`, `Write ${name}: true or ${name}: false.`);
        return parsed;
    }
    /** Items separated by newlines or commas, trimmed, blanks dropped. */
    list(name) {
        const value = this.optional(name);
        if (value === undefined)
            return [];
        return value
            .split(/[\n,]/)
            .map(item => item.trim())
            .filter(item => item !== '');
    }
    /** A duration such as `30s`, `2m` or `1m30s`, in milliseconds. */
    duration(name, fallback) {
        const value = this.optional(name) ?? fallback;
        const milliseconds = parseDuration(value);
        if (milliseconds === undefined) {
            throw new errors/* ConfigError */.xL(name, `is not a duration ("${value}")`, 'Write a number with a unit, such as 500ms, 30s, 2m or 1h.');
        }
        return milliseconds;
    }
    /** A whole number within bounds. */
    integer(name, fallback, bounds) {
        const value = this.optional(name);
        if (value === undefined)
            return fallback;
        const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
        if (!Number.isSafeInteger(parsed) || parsed < bounds.min || parsed > bounds.max) {
            throw new errors/* ConfigError */.xL(name, `must be a whole number from ${bounds.min} to ${bounds.max}, not "${value}"`, `Set ${name} within that range.`);
        }
        return parsed;
    }
    /** One of a fixed set of words. */
    choice(name, choices, fallback) {
        const value = this.optional(name) ?? fallback;
        if (!choices.includes(value)) {
            throw new errors/* ConfigError */.xL(name, `must be one of ${choices.join(', ')}, not "${value}"`, `Set ${name} to one of those.`);
        }
        return value;
    }
    /**
     * `KEY=VALUE` lines: the value is everything after the first `=`, so it may hold `=` and commas.
     * Blank lines and lines starting with `#` are skipped. A key given twice is an error, not a silent override.
     */
    keyValues(name, options = {}) {
        const key = options.key ?? environmentKey;
        const pairs = new Map();
        // The raw value, not the trimmed one: trimming would drop leading blank lines and shift every line number.
        const lines = (this.environment[inputVariableName(name)] ?? '').split(/\r?\n/);
        lines.forEach((rawLine, index) => {
            const line = rawLine.trim();
            if (line === '' || line.startsWith('#'))
                return;
            const where = `line ${index + 1}`;
            const separator = line.indexOf('=');
            if (separator === -1) {
                const shown = options.secret ? '' : ` ("${line}")`;
                throw new errors/* ConfigError */.xL(name, `${where} is not KEY=VALUE${shown}`, 'Write one KEY=VALUE pair per line.');
            }
            const pairKey = line.slice(0, separator).trim();
            if (!key.pattern.test(pairKey)) {
                // A secret pasted without its key (`c2VjcmV0+/Zm9v==`) splits at its padding into a "key" that is most of the secret.
                const shownKey = options.secret ? '' : ` "${pairKey}"`;
                throw new errors/* ConfigError */.xL(name, `${where} has an invalid key${shownKey}`, `A key is ${key.description}.`);
            }
            if (pairs.has(pairKey))
                throw new errors/* ConfigError */.xL(name, `sets "${pairKey}" twice`, 'Keep one line per key.');
            pairs.set(pairKey, line.slice(separator + 1).trim());
        });
        return pairs;
    }
}
//# sourceMappingURL=inputs.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/logger.js

/**
 * A secret and each of its non-blank lines. A multi-line secret is seldom printed whole: an error quotes one line of
 * a key, a log splits it across lines.
 */
function secretParts(secret) {
    return [...new Set([secret, ...secret.split(/\r?\n/)])].filter(part => part.trim() !== '');
}
/** Replaces registered secrets with `***`, the way the Actions runner masks them. */
class SecretRedactor {
    secrets = new Set();
    add(secret) {
        for (const part of secretParts(secret))
            this.secrets.add(part);
    }
    redact(text) {
        let redacted = text;
        // Longest first, so a secret that contains another is hidden whole.
        for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
            redacted = redacted.split(secret).join('***');
        }
        return redacted;
    }
}
/** Runs a phase between two log lines, the second one carrying how long it took or that it failed. */
async function timePhase(title, phase, write, now = Date.now) {
    const started = now();
    try {
        const result = await phase();
        write(`✓ ${title} (${formatDuration(now() - started)})`);
        return result;
    }
    catch (error) {
        write(`✗ ${title} failed after ${formatDuration(now() - started)}`);
        throw error;
    }
}
/** A logger for terminals: plain lines on stdout/stderr, the job summary printed at the end of each write. */
function createConsoleLogger(options = {}) {
    const redactor = new SecretRedactor();
    const write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    const emit = (line) => write(redactor.redact(line));
    return {
        info: message => emit(message),
        // A terminal runs no workflow commands.
        untrusted: text => emit(text),
        debug: message => {
            if (options.debug)
                emit(`debug: ${message}`);
        },
        warning: (message, annotation) => emit(`warning: ${annotation?.title ? `${annotation.title}: ` : ''}${message}`),
        error: (message, annotation) => emit(`error: ${annotation?.title ? `${annotation.title}: ` : ''}${message}`),
        group: (title, phase) => {
            emit(`▸ ${title}`);
            return timePhase(title, phase, emit);
        },
        mask: secret => redactor.add(secret),
        summary: async (markdown) => emit(`\n${markdown}`),
    };
}
//# sourceMappingURL=logger.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/shell-quote.js
// Words made only of these need no quotes for a POSIX sh. `=` is left out so that a first word is never
// read as an assignment, and `~` and `#` because sh expands or comments on them at the start of a word.
const plainWord = /^[A-Za-z0-9_/.,:@%+-]+$/;
/** Quotes one argument so that a POSIX `sh` reads it back byte-for-byte. */
function quoteShellArgument(argument) {
    if (argument.includes('\0'))
        throw new Error('A shell argument cannot contain a NUL byte.');
    if (plainWord.test(argument))
        return argument;
    // Inside single quotes nothing is special but the single quote itself, which is closed, escaped and reopened.
    return `'${argument.replace(/'/g, `'\\''`)}'`;
}
// Plain words that sh (or bash, a common login shell) reads as syntax when they come first, unless quoted.
const reservedWords = new Set([
    'case',
    'coproc',
    'do',
    'done',
    'elif',
    'else',
    'esac',
    'fi',
    'for',
    'function',
    'if',
    'in',
    'select',
    'then',
    'time',
    'until',
    'while',
]);
/** Joins an argv array into one command line for `sh -c` on a remote host. */
function toShellCommand(argv) {
    if (argv.length === 0)
        throw new Error('A command needs at least one word.');
    return argv.map((word, index) => (index === 0 && reservedWords.has(word) ? `'${word}'` : quoteShellArgument(word))).join(' ');
}
//# sourceMappingURL=shell-quote.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/tracer.js

/** The span when nothing is recorded. */
const noopSpan = { setAttributes: () => undefined, addEvent: () => undefined };
/** The tracer when nothing is exported: runs the work, records nothing. */
const noopTracer = {
    span: (_name, _attributes, work) => work(noopSpan),
    recordSpan: () => undefined,
    traceparent: () => undefined,
};
/** Whether the environment asks for traces: the OpenTelemetry SDK's own variables, the same as for any service. */
function tracesRequested(environment) {
    if (environment.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true')
        return false;
    if (environment.OTEL_TRACES_EXPORTER?.trim() === 'none')
        return false;
    return Boolean(environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || environment.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}
/**
 * Tracing over OTLP/HTTP when the environment configures an endpoint, else `undefined`. The SDK is imported only
 * here, on demand: a step without an endpoint loads none of it.
 */
async function startTracing(environment, options) {
    if (!tracesRequested(environment))
        return undefined;
    const { createOtlpTracing } = await Promise.all(/* import() */[__nccwpck_require__.e(268), __nccwpck_require__.e(201)]).then(__nccwpck_require__.bind(__nccwpck_require__, 9201));
    return createOtlpTracing(environment, options);
}
const traceparentPattern = /^00-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$/;
/** A `traceparent` input: blank is none (an earlier step that did not trace gives an empty output); else W3C's form. */
function parseTraceparent(value) {
    if (value === undefined)
        return undefined;
    if (!traceparentPattern.test(value)) {
        throw new errors/* ConfigError */.xL('traceparent', `is not a W3C traceparent ("${value}")`, 'Pass the traceparent output of an earlier step, e.g. 00-<32 hex>-<16 hex>-01.');
    }
    return value;
}
/** The trace ID in a `traceparent`. */
function traceIdOf(traceparent) {
    return traceparent.split('-')[1];
}
/** A phase both in the log (a group ending with its duration) and in the trace (a span named `span`). */
function runPhase(collaborators, span, title, work, attributes = {}) {
    return collaborators.tracer.span(span, attributes, current => collaborators.logger.group(title, () => work(current)));
}
//# sourceMappingURL=tracer.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/index.js











//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: external "node:crypto"
const external_node_crypto_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:crypto");
// EXTERNAL MODULE: external "os"
var external_os_ = __nccwpck_require__(857);
;// CONCATENATED MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1_patch_hash=8fa97ad134296d159368e374ead9e2b18f07f2876ea5f749b957142d4a955f5e/node_modules/@actions/core/lib/utils.js
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * Sanitizes an input into a string so it can be passed into issueCommand safely
 * @param input input to sanitize into a string
 */
function utils_toCommandValue(input) {
    if (input === null || input === undefined) {
        return '';
    }
    else if (typeof input === 'string' || input instanceof String) {
        return input;
    }
    return JSON.stringify(input);
}
/**
 *
 * @param annotationProperties
 * @returns The command properties to send with the actual annotation command
 * See IssueCommandProperties: https://github.com/actions/runner/blob/main/src/Runner.Worker/ActionCommandManager.cs#L646
 */
function utils_toCommandProperties(annotationProperties) {
    if (!Object.keys(annotationProperties).length) {
        return {};
    }
    return {
        title: annotationProperties.title,
        file: annotationProperties.file,
        line: annotationProperties.startLine,
        endLine: annotationProperties.endLine,
        col: annotationProperties.startColumn,
        endColumn: annotationProperties.endColumn
    };
}
//# sourceMappingURL=utils.js.map
;// CONCATENATED MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1_patch_hash=8fa97ad134296d159368e374ead9e2b18f07f2876ea5f749b957142d4a955f5e/node_modules/@actions/core/lib/command.js


/**
 * Issues a command to the GitHub Actions runner
 *
 * @param command - The command name to issue
 * @param properties - Additional properties for the command (key-value pairs)
 * @param message - The message to include with the command
 * @remarks
 * This function outputs a specially formatted string to stdout that the Actions
 * runner interprets as a command. These commands can control workflow behavior,
 * set outputs, create annotations, mask values, and more.
 *
 * Command Format:
 *   ::name key=value,key=value::message
 *
 * @example
 * ```typescript
 * // Issue a warning annotation
 * issueCommand('warning', {}, 'This is a warning message');
 * // Output: ::warning::This is a warning message
 *
 * // Set an environment variable
 * issueCommand('set-env', { name: 'MY_VAR' }, 'some value');
 * // Output: ::set-env name=MY_VAR::some value
 *
 * // Add a secret mask
 * issueCommand('add-mask', {}, 'secretValue123');
 * // Output: ::add-mask::secretValue123
 * ```
 *
 * @internal
 * This is an internal utility function that powers the public API functions
 * such as setSecret, warning, error, and exportVariable.
 */
function command_issueCommand(command, properties, message) {
    const cmd = new Command(command, properties, message);
    process.stdout.write(cmd.toString() + external_os_.EOL);
}
function command_issue(name, message = '') {
    command_issueCommand(name, {}, message);
}
const CMD_STRING = '::';
class Command {
    constructor(command, properties, message) {
        if (!command) {
            command = 'missing.command';
        }
        this.command = command;
        this.properties = properties;
        this.message = message;
    }
    toString() {
        let cmdStr = CMD_STRING + this.command;
        if (this.properties && Object.keys(this.properties).length > 0) {
            cmdStr += ' ';
            let first = true;
            for (const key in this.properties) {
                if (this.properties.hasOwnProperty(key)) {
                    const val = this.properties[key];
                    if (val) {
                        if (first) {
                            first = false;
                        }
                        else {
                            cmdStr += ',';
                        }
                        cmdStr += `${key}=${escapeProperty(val)}`;
                    }
                }
            }
        }
        cmdStr += `${CMD_STRING}${escapeData(this.message)}`;
        return cmdStr;
    }
}
function escapeData(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A');
}
function escapeProperty(s) {
    return utils_toCommandValue(s)
        .replace(/%/g, '%25')
        .replace(/\r/g, '%0D')
        .replace(/\n/g, '%0A')
        .replace(/:/g, '%3A')
        .replace(/,/g, '%2C');
}
//# sourceMappingURL=command.js.map
// EXTERNAL MODULE: external "crypto"
var external_crypto_ = __nccwpck_require__(6982);
// EXTERNAL MODULE: external "fs"
var external_fs_ = __nccwpck_require__(9896);
;// CONCATENATED MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1_patch_hash=8fa97ad134296d159368e374ead9e2b18f07f2876ea5f749b957142d4a955f5e/node_modules/@actions/core/lib/file-command.js
// For internal use, subject to change.
// We use any as a valid input type
/* eslint-disable @typescript-eslint/no-explicit-any */




function file_command_issueFileCommand(command, message) {
    const filePath = process.env[`GITHUB_${command}`];
    if (!filePath) {
        throw new Error(`Unable to find environment variable for file command ${command}`);
    }
    if (!external_fs_.existsSync(filePath)) {
        throw new Error(`Missing file at path: ${filePath}`);
    }
    external_fs_.appendFileSync(filePath, `${utils_toCommandValue(message)}${external_os_.EOL}`, {
        encoding: 'utf8'
    });
}
function file_command_prepareKeyValueMessage(key, value) {
    const delimiter = `ghadelimiter_${external_crypto_.randomUUID()}`;
    const convertedValue = utils_toCommandValue(value);
    // These should realistically never happen, but just in case someone finds a
    // way to exploit uuid generation let's not allow keys or values that contain
    // the delimiter.
    if (key.includes(delimiter)) {
        throw new Error(`Unexpected input: name should not contain the delimiter "${delimiter}"`);
    }
    if (convertedValue.includes(delimiter)) {
        throw new Error(`Unexpected input: value should not contain the delimiter "${delimiter}"`);
    }
    return `${key}<<${delimiter}${external_os_.EOL}${convertedValue}${external_os_.EOL}${delimiter}`;
}
//# sourceMappingURL=file-command.js.map
// EXTERNAL MODULE: external "path"
var external_path_ = __nccwpck_require__(6928);
;// CONCATENATED MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1_patch_hash=8fa97ad134296d159368e374ead9e2b18f07f2876ea5f749b957142d4a955f5e/node_modules/@actions/core/lib/core.js
var __awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};






/**
 * The code to exit an action
 */
var ExitCode;
(function (ExitCode) {
    /**
     * A code indicating that the action was successful
     */
    ExitCode[ExitCode["Success"] = 0] = "Success";
    /**
     * A code indicating that the action was a failure
     */
    ExitCode[ExitCode["Failure"] = 1] = "Failure";
})(ExitCode || (ExitCode = {}));
//-----------------------------------------------------------------------
// Variables
//-----------------------------------------------------------------------
/**
 * Sets env variable for this action and future actions in the job
 * @param name the name of the variable to set
 * @param val the value of the variable. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function exportVariable(name, val) {
    const convertedVal = toCommandValue(val);
    process.env[name] = convertedVal;
    const filePath = process.env['GITHUB_ENV'] || '';
    if (filePath) {
        return issueFileCommand('ENV', prepareKeyValueMessage(name, val));
    }
    issueCommand('set-env', { name }, convertedVal);
}
/**
 * Registers a secret which will get masked from logs
 *
 * @param secret - Value of the secret to be masked
 * @remarks
 * This function instructs the Actions runner to mask the specified value in any
 * logs produced during the workflow run. Once registered, the secret value will
 * be replaced with asterisks (***) whenever it appears in console output, logs,
 * or error messages.
 *
 * This is useful for protecting sensitive information such as:
 * - API keys
 * - Access tokens
 * - Authentication credentials
 * - URL parameters containing signatures (SAS tokens)
 *
 * Note that masking only affects future logs; any previous appearances of the
 * secret in logs before calling this function will remain unmasked.
 *
 * @example
 * ```typescript
 * // Register an API token as a secret
 * const apiToken = "abc123xyz456";
 * setSecret(apiToken);
 *
 * // Now any logs containing this value will show *** instead
 * console.log(`Using token: ${apiToken}`); // Outputs: "Using token: ***"
 * ```
 */
function setSecret(secret) {
    command_issueCommand('add-mask', {}, secret);
}
/**
 * Prepends inputPath to the PATH (for this action and future actions)
 * @param inputPath
 */
function addPath(inputPath) {
    const filePath = process.env['GITHUB_PATH'] || '';
    if (filePath) {
        issueFileCommand('PATH', inputPath);
    }
    else {
        issueCommand('add-path', {}, inputPath);
    }
    process.env['PATH'] = `${inputPath}${path.delimiter}${process.env['PATH']}`;
}
/**
 * Gets the value of an input.
 * Unless trimWhitespace is set to false in InputOptions, the value is also trimmed.
 * Returns an empty string if the value is not defined.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string
 */
function getInput(name, options) {
    const val = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] || '';
    if (options && options.required && !val) {
        throw new Error(`Input required and not supplied: ${name}`);
    }
    if (options && options.trimWhitespace === false) {
        return val;
    }
    return val.trim();
}
/**
 * Gets the values of an multiline input.  Each value is also trimmed.
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   string[]
 *
 */
function getMultilineInput(name, options) {
    const inputs = getInput(name, options)
        .split('\n')
        .filter(x => x !== '');
    if (options && options.trimWhitespace === false) {
        return inputs;
    }
    return inputs.map(input => input.trim());
}
/**
 * Gets the input value of the boolean type in the YAML 1.2 "core schema" specification.
 * Support boolean input list: `true | True | TRUE | false | False | FALSE` .
 * The return value is also in boolean type.
 * ref: https://yaml.org/spec/1.2/spec.html#id2804923
 *
 * @param     name     name of the input to get
 * @param     options  optional. See InputOptions.
 * @returns   boolean
 */
function getBooleanInput(name, options) {
    const trueValue = ['true', 'True', 'TRUE'];
    const falseValue = ['false', 'False', 'FALSE'];
    const val = getInput(name, options);
    if (trueValue.includes(val))
        return true;
    if (falseValue.includes(val))
        return false;
    throw new TypeError(`Input does not meet YAML 1.2 "Core Schema" specification: ${name}\n` +
        `Support boolean input list: \`true | True | TRUE | false | False | FALSE\``);
}
/**
 * Sets the value of an output.
 *
 * @param     name     name of the output to set
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function setOutput(name, value) {
    const filePath = process.env['GITHUB_OUTPUT'] || '';
    if (filePath) {
        return file_command_issueFileCommand('OUTPUT', file_command_prepareKeyValueMessage(name, value));
    }
    process.stdout.write(external_os_.EOL);
    command_issueCommand('set-output', { name }, utils_toCommandValue(value));
}
/**
 * Enables or disables the echoing of commands into stdout for the rest of the step.
 * Echoing is disabled by default if ACTIONS_STEP_DEBUG is not set.
 *
 */
function setCommandEcho(enabled) {
    issue('echo', enabled ? 'on' : 'off');
}
//-----------------------------------------------------------------------
// Results
//-----------------------------------------------------------------------
/**
 * Sets the action status to failed.
 * When the action exits it will be with an exit code of 1
 * @param message add error issue message
 */
function setFailed(message) {
    process.exitCode = ExitCode.Failure;
    error(message);
}
//-----------------------------------------------------------------------
// Logging Commands
//-----------------------------------------------------------------------
/**
 * Gets whether Actions Step Debug is on or not
 */
function isDebug() {
    return process.env['RUNNER_DEBUG'] === '1';
}
/**
 * Writes debug message to user log
 * @param message debug message
 */
function debug(message) {
    command_issueCommand('debug', {}, message);
}
/**
 * Adds an error issue
 * @param message error issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function error(message, properties = {}) {
    command_issueCommand('error', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a warning issue
 * @param message warning issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function warning(message, properties = {}) {
    command_issueCommand('warning', utils_toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Adds a notice issue
 * @param message notice issue message. Errors will be converted to string via toString()
 * @param properties optional properties to add to the annotation.
 */
function notice(message, properties = {}) {
    issueCommand('notice', toCommandProperties(properties), message instanceof Error ? message.toString() : message);
}
/**
 * Writes info to log with console.log.
 * @param message info message
 */
function info(message) {
    process.stdout.write(message + external_os_.EOL);
}
/**
 * Begin an output group.
 *
 * Output until the next `groupEnd` will be foldable in this group
 *
 * @param name The name of the output group
 */
function startGroup(name) {
    command_issue('group', name);
}
/**
 * End an output group.
 */
function endGroup() {
    command_issue('endgroup');
}
/**
 * Wrap an asynchronous function call in a group.
 *
 * Returns the same type as the function itself.
 *
 * @param name The name of the group
 * @param fn The function to wrap in the group
 */
function group(name, fn) {
    return __awaiter(this, void 0, void 0, function* () {
        startGroup(name);
        let result;
        try {
            result = yield fn();
        }
        finally {
            endGroup();
        }
        return result;
    });
}
//-----------------------------------------------------------------------
// Wrapper action state
//-----------------------------------------------------------------------
/**
 * Saves state for current action, the state can only be retrieved by this action's post job execution.
 *
 * @param     name     name of the state to store
 * @param     value    value to store. Non-string values will be converted to a string via JSON.stringify
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function saveState(name, value) {
    const filePath = process.env['GITHUB_STATE'] || '';
    if (filePath) {
        return file_command_issueFileCommand('STATE', file_command_prepareKeyValueMessage(name, value));
    }
    command_issueCommand('save-state', { name }, utils_toCommandValue(value));
}
/**
 * Gets the value of an state set by this action's main execution.
 *
 * @param     name     name of the state to get
 * @returns   string
 */
function getState(name) {
    return process.env[`STATE_${name}`] || '';
}
function getIDToken(aud) {
    return __awaiter(this, void 0, void 0, function* () {
        return yield OidcClient.getIDToken(aud);
    });
}
/**
 * Summary exports
 */

/**
 * @deprecated use core.summary
 */

/**
 * Path exports
 */

/**
 * Platform utilities exports
 */

//# sourceMappingURL=core.js.map
;// CONCATENATED MODULE: ../../node_modules/.pnpm/@actions+core@3.0.1_patch_hash=8fa97ad134296d159368e374ead9e2b18f07f2876ea5f749b957142d4a955f5e/node_modules/@actions/core/lib/summary.js
var summary_awaiter = (undefined && undefined.__awaiter) || function (thisArg, _arguments, P, generator) {
    function adopt(value) { return value instanceof P ? value : new P(function (resolve) { resolve(value); }); }
    return new (P || (P = Promise))(function (resolve, reject) {
        function fulfilled(value) { try { step(generator.next(value)); } catch (e) { reject(e); } }
        function rejected(value) { try { step(generator["throw"](value)); } catch (e) { reject(e); } }
        function step(result) { result.done ? resolve(result.value) : adopt(result.value).then(fulfilled, rejected); }
        step((generator = generator.apply(thisArg, _arguments || [])).next());
    });
};


const { access, appendFile, writeFile } = external_fs_.promises;
const SUMMARY_ENV_VAR = 'GITHUB_STEP_SUMMARY';
const SUMMARY_DOCS_URL = 'https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary';
class Summary {
    constructor() {
        this._buffer = '';
    }
    /**
     * Finds the summary file path from the environment, rejects if env var is not found or file does not exist
     * Also checks r/w permissions.
     *
     * @returns step summary file path
     */
    filePath() {
        return summary_awaiter(this, void 0, void 0, function* () {
            if (this._filePath) {
                return this._filePath;
            }
            const pathFromEnv = process.env[SUMMARY_ENV_VAR];
            if (!pathFromEnv) {
                throw new Error(`Unable to find environment variable for $${SUMMARY_ENV_VAR}. Check if your runtime environment supports job summaries.`);
            }
            try {
                yield access(pathFromEnv, external_fs_.constants.R_OK | external_fs_.constants.W_OK);
            }
            catch (_a) {
                throw new Error(`Unable to access summary file: '${pathFromEnv}'. Check if the file has correct read/write permissions.`);
            }
            this._filePath = pathFromEnv;
            return this._filePath;
        });
    }
    /**
     * Wraps content in an HTML tag, adding any HTML attributes
     *
     * @param {string} tag HTML tag to wrap
     * @param {string | null} content content within the tag
     * @param {[attribute: string]: string} attrs key-value list of HTML attributes to add
     *
     * @returns {string} content wrapped in HTML element
     */
    wrap(tag, content, attrs = {}) {
        const htmlAttrs = Object.entries(attrs)
            .map(([key, value]) => ` ${key}="${value}"`)
            .join('');
        if (!content) {
            return `<${tag}${htmlAttrs}>`;
        }
        return `<${tag}${htmlAttrs}>${content}</${tag}>`;
    }
    /**
     * Writes text in the buffer to the summary buffer file and empties buffer. Will append by default.
     *
     * @param {SummaryWriteOptions} [options] (optional) options for write operation
     *
     * @returns {Promise<Summary>} summary instance
     */
    write(options) {
        return summary_awaiter(this, void 0, void 0, function* () {
            const overwrite = !!(options === null || options === void 0 ? void 0 : options.overwrite);
            const filePath = yield this.filePath();
            const writeFunc = overwrite ? writeFile : appendFile;
            yield writeFunc(filePath, this._buffer, { encoding: 'utf8' });
            return this.emptyBuffer();
        });
    }
    /**
     * Clears the summary buffer and wipes the summary file
     *
     * @returns {Summary} summary instance
     */
    clear() {
        return summary_awaiter(this, void 0, void 0, function* () {
            return this.emptyBuffer().write({ overwrite: true });
        });
    }
    /**
     * Returns the current summary buffer as a string
     *
     * @returns {string} string of summary buffer
     */
    stringify() {
        return this._buffer;
    }
    /**
     * If the summary buffer is empty
     *
     * @returns {boolen} true if the buffer is empty
     */
    isEmptyBuffer() {
        return this._buffer.length === 0;
    }
    /**
     * Resets the summary buffer without writing to summary file
     *
     * @returns {Summary} summary instance
     */
    emptyBuffer() {
        this._buffer = '';
        return this;
    }
    /**
     * Adds raw text to the summary buffer
     *
     * @param {string} text content to add
     * @param {boolean} [addEOL=false] (optional) append an EOL to the raw text (default: false)
     *
     * @returns {Summary} summary instance
     */
    addRaw(text, addEOL = false) {
        this._buffer += text;
        return addEOL ? this.addEOL() : this;
    }
    /**
     * Adds the operating system-specific end-of-line marker to the buffer
     *
     * @returns {Summary} summary instance
     */
    addEOL() {
        return this.addRaw(external_os_.EOL);
    }
    /**
     * Adds an HTML codeblock to the summary buffer
     *
     * @param {string} code content to render within fenced code block
     * @param {string} lang (optional) language to syntax highlight code
     *
     * @returns {Summary} summary instance
     */
    addCodeBlock(code, lang) {
        const attrs = Object.assign({}, (lang && { lang }));
        const element = this.wrap('pre', this.wrap('code', code), attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML list to the summary buffer
     *
     * @param {string[]} items list of items to render
     * @param {boolean} [ordered=false] (optional) if the rendered list should be ordered or not (default: false)
     *
     * @returns {Summary} summary instance
     */
    addList(items, ordered = false) {
        const tag = ordered ? 'ol' : 'ul';
        const listItems = items.map(item => this.wrap('li', item)).join('');
        const element = this.wrap(tag, listItems);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML table to the summary buffer
     *
     * @param {SummaryTableCell[]} rows table rows
     *
     * @returns {Summary} summary instance
     */
    addTable(rows) {
        const tableBody = rows
            .map(row => {
            const cells = row
                .map(cell => {
                if (typeof cell === 'string') {
                    return this.wrap('td', cell);
                }
                const { header, data, colspan, rowspan } = cell;
                const tag = header ? 'th' : 'td';
                const attrs = Object.assign(Object.assign({}, (colspan && { colspan })), (rowspan && { rowspan }));
                return this.wrap(tag, data, attrs);
            })
                .join('');
            return this.wrap('tr', cells);
        })
            .join('');
        const element = this.wrap('table', tableBody);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds a collapsable HTML details element to the summary buffer
     *
     * @param {string} label text for the closed state
     * @param {string} content collapsable content
     *
     * @returns {Summary} summary instance
     */
    addDetails(label, content) {
        const element = this.wrap('details', this.wrap('summary', label) + content);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML image tag to the summary buffer
     *
     * @param {string} src path to the image you to embed
     * @param {string} alt text description of the image
     * @param {SummaryImageOptions} options (optional) addition image attributes
     *
     * @returns {Summary} summary instance
     */
    addImage(src, alt, options) {
        const { width, height } = options || {};
        const attrs = Object.assign(Object.assign({}, (width && { width })), (height && { height }));
        const element = this.wrap('img', null, Object.assign({ src, alt }, attrs));
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML section heading element
     *
     * @param {string} text heading text
     * @param {number | string} [level=1] (optional) the heading level, default: 1
     *
     * @returns {Summary} summary instance
     */
    addHeading(text, level) {
        const tag = `h${level}`;
        const allowedTag = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].includes(tag)
            ? tag
            : 'h1';
        const element = this.wrap(allowedTag, text);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML thematic break (<hr>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addSeparator() {
        const element = this.wrap('hr', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML line break (<br>) to the summary buffer
     *
     * @returns {Summary} summary instance
     */
    addBreak() {
        const element = this.wrap('br', null);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML blockquote to the summary buffer
     *
     * @param {string} text quote text
     * @param {string} cite (optional) citation url
     *
     * @returns {Summary} summary instance
     */
    addQuote(text, cite) {
        const attrs = Object.assign({}, (cite && { cite }));
        const element = this.wrap('blockquote', text, attrs);
        return this.addRaw(element).addEOL();
    }
    /**
     * Adds an HTML anchor tag to the summary buffer
     *
     * @param {string} text link text/content
     * @param {string} href hyperlink
     *
     * @returns {Summary} summary instance
     */
    addLink(text, href) {
        const element = this.wrap('a', text, { href });
        return this.addRaw(element).addEOL();
    }
}
const _summary = new Summary();
/**
 * @deprecated use `core.summary`
 */
const markdownSummary = (/* unused pure expression or super */ null && (_summary));
const summary = _summary;
//# sourceMappingURL=summary.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/actions/logger.js



// One for the step, as the runner's masks are: what any logger was asked to hide, failStep hides as well.
const redactor = new SecretRedactor();
/** Hides every secret that a logger of this step was asked to mask. */
function redactSecrets(text) {
    return redactor.redact(text);
}
// Set while the runner reads no workflow commands: from the first untrusted line to the next line of ours, so a
// streamed log costs one pair of marker lines, not a pair per line.
let stopToken;
function writeUntrusted(text) {
    if (stopToken === undefined) {
        // New and random each time, so no text can end the stretch, even one that read an earlier token in the log.
        stopToken = (0,external_node_crypto_namespaceObject.randomUUID)();
        info(`::stop-commands::${stopToken}`);
    }
    info(redactor.redact(text));
}
/** Lets the runner read workflow commands again after untrusted text; everything of ours that writes one calls it first. */
function resumeCommands() {
    if (stopToken === undefined)
        return;
    info(`::${stopToken}::`);
    stopToken = undefined;
}
/** `write`, run once the runner reads workflow commands again. */
function resumeBefore(write) {
    return (...args) => {
        resumeCommands();
        write(...args);
    };
}
/** A logger that speaks the runner's workflow commands: groups, masks, annotations and the job summary. */
function createActionsLogger(environment = process.env) {
    let summaryWarned = false;
    return {
        info: resumeBefore(message => info(redactor.redact(message))),
        untrusted: writeUntrusted,
        debug: resumeBefore(message => debug(redactor.redact(message))),
        warning: resumeBefore((message, annotation) => warning(redactor.redact(message), annotation ?? {})),
        error: resumeBefore((message, annotation) => error(redactor.redact(message), annotation ?? {})),
        group: async (title, phase) => {
            resumeCommands();
            startGroup(title);
            try {
                return await timePhase(title, phase, resumeBefore(info));
            }
            finally {
                resumeCommands();
                endGroup();
            }
        },
        mask: resumeBefore(secret => {
            // The runner's add-mask hides the value it is given, whole: unlike the job's own secrets, a multi-line value is
            // not split. It masks any value that is not blank, however short, so every line goes as it is.
            for (const part of secretParts(secret))
                setSecret(part);
            redactor.add(secret);
        }),
        summary: async (markdown) => {
            resumeCommands();
            // act runs steps without a summary file (or wipes it between steps); a missing summary is no reason to fail.
            if (!environment.GITHUB_STEP_SUMMARY) {
                if (!summaryWarned)
                    warning(`No job summary here${environment.ACT ? ' (act discards them)' : ''}; the summary is skipped.`);
                summaryWarned = true;
                return;
            }
            await summary.addRaw(redactor.redact(markdown), true).write();
        },
    };
}
//# sourceMappingURL=logger.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/actions/step.js



const postMarker = 'isPost';
/**
 * True when the runner runs this bundle as the action's `post` step. The main step leaves a marker in the
 * step state; the runner hands it back to the post step as `STATE_isPost`.
 */
function isPostStep() {
    return getState(postMarker) === 'true';
}
/** Marks that a post step must follow, for actions that declare `runs.post`. */
function expectPostStep() {
    resumeCommands();
    saveState(postMarker, 'true');
}
/** Saves a value for this action's post step. */
function saveStepState(name, value) {
    // Without GITHUB_STATE (or GITHUB_OUTPUT, below) core writes a workflow command instead of the file.
    resumeCommands();
    saveState(name, value);
}
/** Reads a value the main step saved. */
function readStepState(name) {
    return getState(name);
}
/** Sets every output; `undefined` values are left unset. */
function setOutputs(outputs) {
    resumeCommands();
    for (const [name, value] of Object.entries(outputs)) {
        if (value !== undefined)
            setOutput(name, value);
    }
}
/**
 * Fails the step with one line. Config errors and remote failures already say what to do; anything else is a
 * bug of ours, so its stack goes to the debug log where a maintainer can ask for it. An error may quote what it
 * failed on, a line of a key say, so all of it hides the masked secrets as the logger does.
 */
function failStep(error) {
    resumeCommands();
    if (!(error instanceof errors/* ConfigError */.xL || error instanceof errors/* RemoteError */.Hi) && error instanceof Error && error.stack) {
        debug(redactSecrets(error.stack));
    }
    if (error instanceof errors/* RemoteError */.Hi && error.cause !== undefined)
        debug(redactSecrets(`cause: ${(0,errors/* errorMessage */.gJ)(error.cause)}`));
    // Redacted before the lines are joined: a secret quoted whole is hidden whole.
    setFailed(redactSecrets((0,errors/* errorMessage */.gJ)(error)).replace(/\s*\n\s*/g, ' '));
    // The exit code is what fails a JavaScript step. core.setFailed sets it; the stand-in core that
    // @github/local-action swaps in only records the failure.
    process.exitCode = 1;
}
/**
 * Runs the step the runner started, main or post, and is the one place that fails it: an error fails the step in
 * one line, and a failure that carries outputs sets them first, so later steps read how far it got.
 */
async function runStep(frame) {
    try {
        if (frame.post && isPostStep()) {
            await frame.post();
        }
        else {
            if (frame.post)
                expectPostStep();
            setOutputs(frame.outputs(await frame.main()));
        }
    }
    catch (error) {
        if (error instanceof errors/* FailureWithOutputs */.tY) {
            setOutputs(frame.outputs(error.outputs));
            failStep(error.cause);
        }
        else {
            failStep(error);
        }
    }
}
//# sourceMappingURL=step.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/actions/trace-step.js




/**
 * The root span's attributes, from the runner's `GITHUB_*` variables, after OpenTelemetry's CI/CD and VCS semantic
 * conventions: the workflow is the pipeline, this step its task, and the run's URL is the attempt's page.
 */
function pipelineAttributes(action, environment) {
    const server = environment.GITHUB_SERVER_URL || 'https://github.com';
    const repository = environment.GITHUB_REPOSITORY;
    const runId = environment.GITHUB_RUN_ID;
    const attempt = environment.GITHUB_RUN_ATTEMPT;
    const runUrl = repository && runId ? `${server}/${repository}/actions/runs/${runId}${attempt ? `/attempts/${attempt}` : ''}` : undefined;
    const refType = environment.GITHUB_REF_TYPE;
    return {
        'cicd.pipeline.name': environment.GITHUB_WORKFLOW,
        'cicd.pipeline.run.id': runId,
        'cicd.pipeline.run.url.full': runUrl,
        'cicd.pipeline.task.name': action.name,
        'cicd.pipeline.task.run.id': runId && environment.GITHUB_JOB ? `${runId}/${attempt ?? '1'}/${environment.GITHUB_JOB}/${environment.GITHUB_ACTION ?? ''}` : undefined,
        'cicd.pipeline.task.type': action.taskType,
        'cicd.worker.name': environment.RUNNER_NAME,
        'vcs.repository.url.full': repository ? `${server}/${repository}` : undefined,
        'vcs.repository.name': repository?.split('/')[1],
        'vcs.ref.head.revision': environment.GITHUB_SHA,
        'vcs.ref.head.name': environment.GITHUB_HEAD_REF || environment.GITHUB_REF_NAME,
        'vcs.ref.head.type': refType === 'tag' || refType === 'branch' ? refType : undefined,
    };
}
/**
 * Runs a step's work as one trace when the environment names an OTLP endpoint (see tracer.ts), continuing
 * `traceparent` when given, and sets the `trace-id` and `traceparent` outputs before the work starts, so that a step
 * that fails still hands them on. The work reads its inputs inside, so that a bad one fails the trace too, and puts
 * what it learns of the run on `root`. Without an endpoint, `work` gets `noopTracer` and nothing is loaded.
 */
async function traceStep(action, request, work) {
    const environment = request.environment ?? process.env;
    const warn = (message) => request.logger.warning(message);
    // Tracing is never a reason for a step to fail: an SDK that cannot start is one warning, and no trace.
    const tracing = await startTracing(environment, { serviceName: action.name, warn, redact: redactSecrets }).catch((error) => {
        warn(`OpenTelemetry: could not start tracing (${redactSecrets((0,errors/* errorMessage */.gJ)(error))}); the step goes on without it.`);
        return undefined;
    });
    if (!tracing)
        return work(noopTracer, noopSpan);
    try {
        return await tracing.root(action.name, pipelineAttributes(action, environment), request.traceparent, root => {
            const traceparent = tracing.tracer.traceparent();
            if (traceparent)
                setOutputs({ 'trace-id': traceIdOf(traceparent), traceparent });
            return work(tracing.tracer, root);
        });
    }
    finally {
        await tracing.shutdown();
    }
}
//# sourceMappingURL=trace-step.js.map
;// CONCATENATED MODULE: ../../packages/shared/dist/actions/index.js



//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: external "node:child_process"
const external_node_child_process_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:child_process");
;// CONCATENATED MODULE: external "node:readline"
const external_node_readline_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:readline");
;// CONCATENATED MODULE: ./src/command-runner.ts


// A build log can be long; only its tail is ever quoted.
const keptLines = 200;
// The runner hands the step its inputs (the registry password and the build secrets among them) and its saved state
// as INPUT_* and STATE_* variables. They are ours, not docker's: a build reaches the secrets it is given as files.
const stepOnly = /^(INPUT|STATE)_/;
/** Runs a program without a shell, so no argument is ever parsed a second time. */
const runCommand = (argv, options = {}) => new Promise((resolve, reject) => {
    const [program = '', ...args] = argv;
    const inherited = Object.entries(process.env).filter(([name]) => !stepOnly.test(name));
    const child = (0,external_node_child_process_namespaceObject.spawn)(program, args, { env: { ...Object.fromEntries(inherited), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = [];
    const streams = [child.stdout, child.stderr].map(input => new Promise(done => (0,external_node_readline_namespaceObject.createInterface)({ input, crlfDelay: Number.POSITIVE_INFINITY })
        .on('line', line => {
        options.onLine?.(line);
        lines.push(line);
        if (lines.length > keptLines)
            lines.shift();
    })
        .on('close', done)));
    child.on('error', reject);
    child.on('close', async (code) => {
        await Promise.all(streams);
        resolve({ exitCode: code ?? 1, output: lines.join('\n') });
    });
});

;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: ./src/github-context.ts

function requireVariable(environment, name) {
    const value = environment[name];
    if (!value)
        throw new Error(`${name} is not set: build-image takes its tags and labels from the GitHub Actions context.`);
    return value;
}
/** Reads the run's context without `@actions/github`, so the planners can be tested from plain files. */
function readGitHubContext(environment) {
    const eventPath = environment.GITHUB_EVENT_PATH;
    return {
        eventName: requireVariable(environment, 'GITHUB_EVENT_NAME'),
        ref: environment.GITHUB_REF ?? '',
        sha: requireVariable(environment, 'GITHUB_SHA'),
        repository: requireVariable(environment, 'GITHUB_REPOSITORY'),
        serverUrl: environment.GITHUB_SERVER_URL ?? 'https://github.com',
        payload: eventPath ? JSON.parse((0,external_node_fs_namespaceObject.readFileSync)(eventPath, 'utf8')) : {},
    };
}
/** `pull_request_target` counts too: it builds a contributor's code, which must not land on a shared tag. */
function isPullRequest(context) {
    return context.eventName === 'pull_request' || context.eventName === 'pull_request_target';
}

;// CONCATENATED MODULE: ./src/inputs.ts

/** The registry login, when the inputs give one. */
function registryCredentials(inputs) {
    const { registryUsername: username, registryPassword: password } = inputs;
    return username === undefined || password === undefined ? undefined : { username, password };
}
const labelKey = { pattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/, description: 'letters, digits, ".", "_", "/" or "-", such as org.example.team' };
const secretId = { pattern: /^[A-Za-z0-9_.-]+$/, description: 'letters, digits, "_", "." or "-", as used in RUN --mount=type=secret,id=...' };
/** Parses and checks every input; masks secrets before anything else can log them. */
function readInputs(reader, logger) {
    const registryPassword = reader.optional('registry-password');
    if (registryPassword)
        logger.mask(registryPassword);
    const secrets = reader.keyValues('secrets', { key: secretId, secret: true });
    for (const value of secrets.values())
        logger.mask(value);
    const image = reader.required('image', 'the image repository without a tag, e.g. ghcr.io/circuitverse/circuitverse');
    if (!isRepository(image)) {
        throw new errors/* ConfigError */.xL('image', `is not an image repository ("${image}")`, 'Use lower case [registry/]path/name without a tag or digest, e.g. ghcr.io/circuitverse/circuitverse.');
    }
    const tags = reader.list('tags');
    const badTag = tags.find(tag => !isTag(tag));
    if (badTag !== undefined) {
        throw new errors/* ConfigError */.xL('tags', `has an invalid tag "${badTag}"`, 'A tag is up to 128 letters, digits, "_", "." or "-", not starting with "." or "-".');
    }
    const registryUsername = reader.optional('registry-username');
    if ((registryUsername === undefined) !== (registryPassword === undefined)) {
        const missing = registryUsername === undefined ? 'registry-username' : 'registry-password';
        throw new errors/* ConfigError */.xL(missing, 'is missing while its partner is set', 'Set both registry-username and registry-password, or neither.');
    }
    return {
        image,
        context: reader.optional('context') ?? '.',
        file: reader.optional('file'),
        target: reader.optional('target'),
        buildArgs: reader.keyValues('build-args'),
        secrets,
        tags,
        labels: reader.keyValues('labels', { key: labelKey }),
        push: reader.optional('push') === undefined ? undefined : reader.boolean('push', true),
        registryUsername,
        registryPassword,
        cacheFrom: reader.list('cache-from'),
    };
}

;// CONCATENATED MODULE: ./src/auth-challenge.ts
/**
 * Parses a `WWW-Authenticate` header such as `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"`
 * (RFC 7235: quoted values may hold commas, as scopes do). `undefined` when the header is missing or has no scheme.
 */
function parseAuthChallenge(header) {
    const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header ?? '');
    if (!match)
        return undefined;
    const params = {};
    for (const [, name = '', quoted, token] of (match[2] ?? '').matchAll(/([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g)) {
        params[name.toLowerCase()] = quoted === undefined ? (token ?? '') : quoted.replace(/\\(.)/g, '$1');
    }
    return { scheme: match[1].toLowerCase(), params };
}

;// CONCATENATED MODULE: external "node:http"
const external_node_http_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:http");
;// CONCATENATED MODULE: external "node:https"
const external_node_https_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:https");
;// CONCATENATED MODULE: ./src/http-exchange.ts


const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;
/**
 * A request over node:http(s), following redirects as fetch would. Not fetch: its first call loads Node's bundled
 * undici, which cost this action about 40 ms of a 0.4 s build and push (measured), most of it before the build.
 */
async function exchange(url, request) {
    let target = new URL(url);
    let headers = request.headers;
    for (let redirects = 0;; redirects++) {
        const answer = await exchangeOnce(target, { ...request, headers });
        const location = answer.header('location');
        if (!redirectStatuses.has(answer.status) || location === undefined)
            return answer;
        const next = new URL(location, target);
        // Without its query: a redirect to storage may carry a signature in it.
        if (redirects === maxRedirects)
            throw new Error(`more than ${maxRedirects} redirects, the last to ${next.origin}${next.pathname}`);
        // As fetch does: a login meant for one origin is not handed on to another.
        if (next.origin !== target.origin)
            headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
        target = next;
    }
}
function exchangeOnce(url, request) {
    const send = url.protocol === 'https:' ? external_node_https_namespaceObject.request : external_node_http_namespaceObject.request;
    return new Promise((resolve, reject) => {
        const call = send(url, { method: request.method, headers: request.headers }, (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('error', error => {
                clearTimeout(timer);
                reject(error);
            });
            response.on('end', () => {
                clearTimeout(timer);
                const status = response.statusCode ?? 0;
                resolve({
                    status,
                    ok: status >= 200 && status < 300,
                    header: name => {
                        const value = response.headers[name.toLowerCase()];
                        return Array.isArray(value) ? value.join(', ') : value;
                    },
                    body: Buffer.concat(chunks),
                });
            });
        });
        // The whole exchange, not only the silences: a registry that trickles its answer is cut off too.
        const timer = setTimeout(() => call.destroy(new Error(`no answer within ${request.timeoutMs / 1000}s`)), request.timeoutMs);
        call.on('error', error => {
            clearTimeout(timer);
            reject(error);
        });
        call.end();
    });
}

;// CONCATENATED MODULE: ./src/registry.ts




// Everything a single-platform or multi-platform push can leave behind a tag, Docker's and OCI's.
const manifestTypes = [
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const requestTimeoutMs = 30_000;
/** The name a registry is known by in Docker's config and in push auth: Docker Hub keeps its historical index URL. */
function authServerAddress(registry) {
    return registry === 'docker.io' ? 'https://index.docker.io/v1/' : registry;
}
// The Docker Engine itself talks plain HTTP to loopback registries and HTTPS to every other one.
function endpointOf(registry) {
    if (registry === 'docker.io')
        return 'https://registry-1.docker.io';
    const host = registry.replace(/:\d+$/, '');
    const loopback = host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
    return `${loopback ? 'http' : 'https'}://${registry}`;
}
// `ghcr.io/o/app` is `o/app` on ghcr.io; Docker Hub puts official images under `library/`.
function pathOf(repository, registry) {
    const path = repository.startsWith(`${registry}/`) ? repository.slice(registry.length + 1) : repository;
    return registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
}
// Registries answer {"errors":[{"code","message"}]}; Docker Hub's token server {"details"}; anything else is quoted short.
function describeAnswer(response) {
    const text = response.body.toString('utf8');
    try {
        const body = JSON.parse(text);
        const first = body.errors?.[0];
        if (first)
            return [first.code, first.message].filter(Boolean).join(': ');
        if (body.details ?? body.message)
            return (body.details ?? body.message);
    }
    catch {
        // not JSON: fall through to the status line
    }
    const snippet = text.trim().split('\n')[0]?.slice(0, 200);
    return `HTTP ${response.status}${snippet ? ` ${snippet}` : ''}`;
}
/**
 * One repository on a registry, over the Registry HTTP API v2 as `docker login` and `docker pull` use it: Basic
 * auth, or a Bearer token fetched from the realm the registry's `WWW-Authenticate` challenge names.
 */
class RegistryClient {
    repository;
    credentials;
    registry;
    endpoint;
    path;
    authorization;
    constructor(repository, credentials) {
        this.repository = repository;
        this.credentials = credentials;
        const ref = parseImageRef(repository);
        if (!ref)
            throw new Error(`${repository} is not an image repository.`);
        this.registry = ref.registry;
        this.endpoint = endpointOf(ref.registry);
        this.path = pathOf(repository, ref.registry);
    }
    /** Logs in as `docker login` does, asking for push access to the repository; throws the registry's answer if it refuses. */
    async checkPushAccess() {
        const response = await this.send('GET', '/v2/', `repository:${this.path}:pull,push`);
        if (!response.ok)
            throw this.refusal(response, '/v2/');
    }
    /** The manifest digest a tag resolves to, or `undefined` when the registry has no such tag. */
    async readDigest(tag) {
        const path = `/v2/${this.path}/manifests/${tag}`;
        const head = await this.send('HEAD', path, `repository:${this.path}:pull`, { Accept: manifestTypes });
        if (head.status === 404)
            return undefined;
        if (!head.ok)
            throw this.refusal(head, path);
        const digest = head.header('docker-content-digest');
        if (digest)
            return digest;
        // A registry may leave the header off; the digest is then the SHA-256 of the manifest exactly as served.
        const get = await this.send('GET', path, `repository:${this.path}:pull`, { Accept: manifestTypes });
        if (!get.ok)
            throw this.refusal(get, path);
        return `sha256:${(0,external_node_crypto_namespaceObject.createHash)('sha256').update(get.body).digest('hex')}`;
    }
    async send(method, path, scope, headers = {}) {
        const sentWith = this.authorization;
        const response = await this.request(`${this.endpoint}${path}`, { method, headers: { ...headers, ...this.authorizationHeader() } });
        if (response.status !== 401)
            return response;
        const challenge = parseAuthChallenge(response.header('www-authenticate') ?? null);
        // Without credentials, or with Basic ones already refused, there is nothing better to answer the challenge with.
        const answerable = (challenge?.scheme === 'bearer' && challenge.params.realm !== undefined) ||
            (challenge?.scheme === 'basic' && this.credentials !== undefined && sentWith === undefined);
        if (!challenge || !answerable)
            return response;
        await this.authenticate(challenge, scope);
        return this.request(`${this.endpoint}${path}`, { method, headers: { ...headers, ...this.authorizationHeader() } });
    }
    async authenticate(challenge, scope) {
        const basic = this.credentials && `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64')}`;
        if (challenge.scheme === 'basic') {
            this.authorization = basic;
            return;
        }
        const url = new URL(challenge.params.realm);
        if (challenge.params.service)
            url.searchParams.set('service', challenge.params.service);
        url.searchParams.set('scope', challenge.params.scope ?? scope);
        const answer = await this.request(url.href, { method: 'GET', headers: basic ? { Authorization: basic } : {} });
        if (!answer.ok)
            throw this.refusal(answer, url.pathname);
        let body = {};
        try {
            body = JSON.parse(answer.body.toString('utf8'));
        }
        catch {
            // not JSON: there is no token in it, said below
        }
        const token = body.token ?? body.access_token;
        if (!token)
            throw new errors/* RemoteError */.Hi(`Registry ${this.registry}`, `gave no token from ${url.origin}${url.pathname}`);
        this.authorization = `Bearer ${token}`;
    }
    authorizationHeader() {
        return this.authorization ? { Authorization: this.authorization } : {};
    }
    async request(url, init) {
        try {
            return await exchange(url, { ...init, timeoutMs: requestTimeoutMs });
        }
        catch (error) {
            throw new errors/* RemoteError */.Hi(`Registry ${this.registry}`, `cannot be reached at ${new URL(url).origin}`, {
                cause: error,
                remoteOutput: (0,errors/* errorMessage */.gJ)(error) || error.code,
                next: 'Check the registry in "image" and that it is up.',
            });
        }
    }
    refusal(response, path) {
        const answer = describeAnswer(response);
        if (response.status === 401 && !this.credentials) {
            return new errors/* RemoteError */.Hi(`Registry ${this.registry}`, 'requires a login', { remoteOutput: answer, next: 'Set registry-username and registry-password.' });
        }
        if (response.status === 401 || response.status === 403) {
            return new errors/* RemoteError */.Hi(`Registry ${this.registry}`, `refused the login of "${this.credentials?.username}" (HTTP ${response.status})`, {
                remoteOutput: answer,
                next: 'Check registry-username and registry-password.',
            });
        }
        return new errors/* RemoteError */.Hi(`Registry ${this.registry}`, `answered HTTP ${response.status} to ${path}`, { remoteOutput: answer });
    }
}

;// CONCATENATED MODULE: external "node:fs/promises"
const external_node_fs_promises_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs/promises");
;// CONCATENATED MODULE: external "node:os"
const external_node_os_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:os");
;// CONCATENATED MODULE: ./src/build-command.ts
/** The `docker` command line and environment for one build. */
function planBuildCommand(cli, request) {
    const argv = cli.kind === 'buildx' ? [cli.path, 'buildx', 'build', '--load'] : [cli.path, 'build'];
    argv.push('--progress=plain', '--iidfile', request.iidFile, '--file', request.dockerfile);
    if (request.target)
        argv.push('--target', request.target);
    for (const [key, value] of request.buildArgs)
        argv.push('--build-arg', `${key}=${value}`);
    for (const [key, value] of request.labels)
        argv.push('--label', `${key}=${value}`);
    for (const ref of request.refs)
        argv.push('--tag', ref);
    for (const ref of request.cacheFrom)
        argv.push('--cache-from', ref);
    for (const [id, file] of request.secretFiles)
        argv.push('--secret', `id=${id},src=${file}`);
    argv.push(request.context);
    const env = {};
    if (cli.kind === 'builtin')
        env.DOCKER_BUILDKIT = '1';
    if (request.dockerConfig)
        env.DOCKER_CONFIG = request.dockerConfig;
    return { argv, env };
}

;// CONCATENATED MODULE: ./src/build-progress.ts

/** A build that failed at a Dockerfile instruction: one line for the step, and the output that led to it for the log. */
class BuildError extends errors/* RemoteError */.Hi {
    step;
    lastLines;
    constructor(step, lastLines, reason) {
        // RemoteError ends the quote with its own period.
        super('Docker build', `${step} failed ${reason}`, { remoteOutput: lastLines.join('\n').replace(/\.\s*$/, '') });
        this.step = step;
        this.lastLines = lastLines;
    }
}
const quotedLines = 10;
const longestStepName = 100;
/**
 * Follows BuildKit's `--progress=plain` output, which numbers each step: `#7 [build 4/4] RUN make` names it, then
 * `#7 0.270 <output>` lines and at last `#7 DONE 1.2s`, `#7 CACHED` or `#7 ERROR: <why>`.
 */
class BuildProgress {
    steps = new Map();
    failed;
    read(line) {
        const [, id = '', text = ''] = /^#(\d+) (.*)$/.exec(line) ?? [];
        if (id === '')
            return;
        const step = this.steps.get(id);
        if (!step) {
            this.steps.set(id, { name: text, output: [] });
            return;
        }
        const error = /^ERROR: (.*)$/.exec(text);
        // Once one step fails, BuildKit cancels the others and they report errors too; the first is the cause.
        if (error)
            this.failed ??= { id, error: error[1] };
        const output = /^\d+\.\d+(?: (.*))?$/.exec(text);
        if (output) {
            step.output.push(output[1] ?? '');
            if (step.output.length > quotedLines)
                step.output.shift();
        }
    }
    /** The error for a build that exited non-zero; `cliOutput` explains it when no step failed (a Dockerfile syntax error, say). */
    failure(cliOutput) {
        const step = this.failed && this.steps.get(this.failed.id);
        if (!this.failed || !step)
            return new errors/* RemoteError */.Hi('Docker build', 'failed', { remoteOutput: cliOutput });
        const name = step.name.length > longestStepName ? `${step.name.slice(0, longestStepName - 1)}…` : step.name;
        const exitCode = /exit code: (\d+)/.exec(this.failed.error)?.[1];
        return new BuildError(name, step.output, exitCode === undefined ? `(${this.failed.error})` : `with exit code ${exitCode}`);
    }
}

;// CONCATENATED MODULE: ./src/build.ts



/** Builds with the docker CLI, streaming its log, and returns the image ID; throws naming the step that failed. */
async function runBuild(cli, request, runCommand, logger) {
    const { argv, env } = planBuildCommand(cli, request);
    const progress = new BuildProgress();
    const result = await runCommand(argv, {
        env,
        onLine: line => {
            // What a RUN instruction prints is the build's, not ours: a line of it must not act as a workflow command.
            logger.untrusted(line);
            progress.read(line);
        },
    });
    if (result.exitCode !== 0)
        throw progress.failure(result.output);
    return (await (0,external_node_fs_promises_namespaceObject.readFile)(request.iidFile, 'utf8')).trim();
}

;// CONCATENATED MODULE: ./src/docker-cli.ts



/** Each `docker` on PATH, in PATH order, each file once however many links lead to it. */
function findDockerExecutables(pathVariable) {
    const found = new Map();
    for (const directory of pathVariable.split(external_node_path_namespaceObject.delimiter).filter(Boolean)) {
        const candidate = (0,external_node_path_namespaceObject.join)(directory, 'docker');
        if (!isExecutable(candidate))
            continue;
        const real = (0,external_node_fs_namespaceObject.realpathSync)(candidate);
        if (!found.has(real))
            found.set(real, candidate);
    }
    return [...found.values()];
}
// Besides the config directory's cli-plugins and the config file's cliPluginsExtraDirs, docker/cli's plugin manager
// looks in these.
const systemPluginDirectories = [
    '/usr/local/lib/docker/cli-plugins',
    '/usr/local/libexec/docker/cli-plugins',
    '/usr/lib/docker/cli-plugins',
    '/usr/libexec/docker/cli-plugins',
];
/** Whether a `docker-buildx` plugin is where the docker CLI looks for one, given its config directory (DOCKER_CONFIG). */
function hasBuildxPlugin(configDirectory, systemDirectories = systemPluginDirectories) {
    let extraDirectories;
    try {
        extraDirectories = JSON.parse((0,external_node_fs_namespaceObject.readFileSync)((0,external_node_path_namespaceObject.join)(configDirectory, 'config.json'), 'utf8')).cliPluginsExtraDirs;
    }
    catch {
        // no config file, or not JSON: the CLI then looks in the default places alone
    }
    const directories = [(0,external_node_path_namespaceObject.join)(configDirectory, 'cli-plugins'), ...(Array.isArray(extraDirectories) ? extraDirectories.map(String) : []), ...systemDirectories];
    return directories.some(directory => isExecutable((0,external_node_path_namespaceObject.join)(directory, 'docker-buildx')));
}
function isExecutable(path) {
    try {
        (0,external_node_fs_namespaceObject.accessSync)(path, external_node_fs_namespaceObject.constants.X_OK);
        return true;
    }
    catch {
        return false;
    }
}
// Each probe is a docker process (two for buildx, which runs its plugin), so each docker is asked one thing at a time.
async function probeBuildx(runCommand, path) {
    const buildx = await runCommand([path, 'buildx', 'version']);
    return buildx.exitCode === 0 ? { path, kind: 'buildx', version: buildx.output.trim() } : undefined;
}
async function probeBuiltinBuildKit(runCommand, path) {
    const client = await runCommand([path, '--version']);
    const major = Number(/^Docker version (\d+)\./.exec(client.output)?.[1]);
    return client.exitCode === 0 && major >= 20 && major < 23 ? { path, kind: 'builtin', version: client.output.trim() } : undefined;
}
async function firstFound(candidates, probe) {
    const probed = await Promise.all(candidates.map(probe));
    return probed.find(found => found !== undefined);
}
/**
 * The first `docker` on PATH that can build with BuildKit (which `RUN --mount=type=secret` needs). When the buildx
 * plugin is where `hasBuildxPlugin` looks, the first docker that runs it; else the first client old enough to carry
 * BuildKit itself (20.10 to 22.x); else, for a plugin kept elsewhere, the first docker that runs buildx after all.
 */
async function findBuildCli(runCommand, pathVariable, buildxPluginFound) {
    const candidates = findDockerExecutables(pathVariable);
    const cli = (buildxPluginFound ? await firstFound(candidates, path => probeBuildx(runCommand, path)) : undefined) ??
        (await firstFound(candidates, path => probeBuiltinBuildKit(runCommand, path))) ??
        (buildxPluginFound ? undefined : await firstFound(candidates, path => probeBuildx(runCommand, path)));
    if (cli)
        return cli;
    const looked = candidates.length === 0 ? 'there is no docker on PATH' : `${candidates.join(', ')} cannot build with BuildKit`;
    throw new errors/* RemoteError */.Hi('Docker CLI', looked, { next: 'Install the buildx plugin (docker/setup-buildx-action does), or put a Docker 20.10 client on PATH.' });
}

;// CONCATENATED MODULE: ./src/image-metadata.ts

// The grammar from semver.org, after the `v` git tags usually carry. Build metadata (`+...`) never reaches a tag.
const semverPattern = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;
/** docker/metadata-action's rule: each run of characters a tag cannot hold becomes one `-` (`feature/x` → `feature-x`). */
function sanitizeTag(text) {
    // Docker also refuses a leading `.` or `-` and more than 128 characters; metadata-action leaves those to fail at push.
    return text
        .replace(/[^a-zA-Z0-9._-]+/g, '-')
        .replace(/^[.-]+/, '')
        .slice(0, 128);
}
// A release gets every version a user may pin to; a pre-release only its own, so `1` never moves to an rc.
function versionTags(gitTag) {
    const match = semverPattern.exec(gitTag);
    if (!match)
        return [sanitizeTag(gitTag)];
    const [, major, minor, patch, prerelease] = match;
    if (prerelease)
        return [`${major}.${minor}.${patch}-${prerelease}`];
    return [`${major}.${minor}.${patch}`, `${major}.${minor}`, `${major}`];
}
function refTags(context) {
    if (isPullRequest(context)) {
        const number = context.payload.pull_request?.number ?? context.payload.number;
        return number === undefined ? [] : [`pr-${number}`];
    }
    const branch = /^refs\/heads\/(.+)$/.exec(context.ref)?.[1];
    if (branch !== undefined) {
        const isDefault = branch === context.payload.repository?.default_branch;
        return isDefault ? [sanitizeTag(branch), 'latest'] : [sanitizeTag(branch)];
    }
    const gitTag = /^refs\/tags\/(.+)$/.exec(context.ref)?.[1];
    return gitTag === undefined ? [] : versionTags(gitTag);
}
/** Tags and OCI labels for the run, with docker/metadata-action's semantics; `now` is the build time. */
function planImageMetadata(context, inputs, now) {
    // On a pull request GITHUB_SHA is a merge commit nobody can check out later; the head commit is what was reviewed.
    const commit = (isPullRequest(context) && context.payload.pull_request?.head?.sha) || context.sha;
    const tags = [...new Set([commit, ...refTags(context), ...inputs.tags])].filter(tag => tag !== '');
    const repositoryUrl = `${context.serverUrl}/${context.repository}`;
    const labels = new Map([
        ['org.opencontainers.image.source', repositoryUrl],
        ['org.opencontainers.image.url', repositoryUrl],
        ['org.opencontainers.image.revision', commit],
        ['org.opencontainers.image.version', commit],
        ['org.opencontainers.image.created', now.toISOString()],
        ['org.opencontainers.image.title', context.payload.repository?.name ?? context.repository.split('/').at(-1) ?? context.repository],
        ...inputs.labels,
    ]);
    return { version: commit, tags, refs: tags.map(tag => `${inputs.image}:${tag}`), labels };
}

;// CONCATENATED MODULE: ./src/push.ts



/** The Engine's push credentials for a registry. */
function pushAuthFor(registry, credentials) {
    return { username: credentials.username, password: credentials.password, serveraddress: authServerAddress(registry) };
}
// The one status each layer ends with; the rest (Preparing, Waiting, Pushing 3MB/9MB) is progress bar noise.
const finalLayerStatus = /^(Pushed|Layer already exists|Mounted from .+)$/;
/**
 * Pushes one tag through the Docker Engine API and returns the manifest digest the Engine reports. The Engine answers
 * HTTP 200 even when the registry refuses, and puts the refusal in the stream, so every line is read.
 */
async function pushTag(docker, repository, tag, authconfig, logger) {
    const where = `Push of ${repository}:${tag}`;
    let stream;
    try {
        stream = await docker.getImage(repository).push({ tag, authconfig });
    }
    catch (error) {
        throw new errors/* RemoteError */.Hi(where, 'was refused by the Docker Engine', { cause: error, remoteOutput: (0,errors/* errorMessage */.gJ)(error) });
    }
    let digest;
    let failure;
    for await (const line of (0,external_node_readline_namespaceObject.createInterface)({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (line.trim() === '')
            continue;
        const event = JSON.parse(line);
        if (event.error !== undefined || event.errorDetail !== undefined)
            failure = event.errorDetail?.message ?? event.error;
        else if (event.aux?.Digest)
            digest = event.aux.Digest;
        else if (event.id && event.status && finalLayerStatus.test(event.status))
            logger.info(`${tag}: layer ${event.id} ${event.status.toLowerCase()}`);
    }
    if (failure !== undefined)
        throw new errors/* RemoteError */.Hi(where, 'failed', { remoteOutput: failure });
    if (digest === undefined)
        throw new errors/* RemoteError */.Hi(where, 'ended without a digest from the Docker Engine');
    logger.info(`${tag}: pushed ${digest}`);
    return digest;
}

;// CONCATENATED MODULE: ./src/step-files.ts




/** The step-state name under which the main step leaves its private directory to the post step. */
const stepDirectoryState = 'step-directory';
const prefix = 'build-image-';
/**
 * Makes the step's private directory (mkdtemp makes it 0700) and records it for the post step before anything secret
 * is written into it, so that even a killed step leaves nothing behind.
 */
async function createStepDirectory(root, saveState) {
    const directory = await (0,external_node_fs_promises_namespaceObject.mkdtemp)((0,external_node_path_namespaceObject.join)(root, prefix));
    saveState(stepDirectoryState, directory);
    return directory;
}
/** Writes each secret to its own 0600 file for `--secret id=...,src=...`; returns id → file. */
async function writeSecretFiles(directory, secrets) {
    const files = new Map();
    if (secrets.size === 0)
        return files;
    await (0,external_node_fs_promises_namespaceObject.mkdir)((0,external_node_path_namespaceObject.join)(directory, 'secrets'), { mode: 0o700 });
    for (const [id, value] of secrets) {
        const file = (0,external_node_path_namespaceObject.join)(directory, 'secrets', id);
        await (0,external_node_fs_promises_namespaceObject.writeFile)(file, value, { mode: 0o600, flag: 'wx' });
        files.set(id, file);
    }
    return files;
}
/**
 * A DOCKER_CONFIG for the build: a copy of the user's config with the registry login added, so that logins made by
 * earlier steps (for base images) still apply, and links to the user's plugins, contexts and build state, so that the
 * buildx found on probing (setup-buildx-action may have put it in ~/.docker/cli-plugins) and its builder are the ones
 * that build. The user's own config file is never written to.
 */
async function writeDockerConfig(directory, registry, credentials, userConfigDirectory, 
/** Whose build state to link; none when BUILDX_CONFIG keeps buildx's elsewhere. */
buildState) {
    const config = (await (0,external_node_fs_promises_namespaceObject.readFile)((0,external_node_path_namespaceObject.join)(userConfigDirectory, 'config.json'), 'utf8')
        .then(text => JSON.parse(text))
        .catch(() => ({})));
    const server = authServerAddress(registry);
    config.auths = { ...config.auths, [server]: { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') } };
    // A credential store is asked before the auths entry and would answer with some other login; without it this build
    // loses only the logins kept in that store.
    delete config.credsStore;
    if (config.credHelpers)
        delete config.credHelpers[server];
    const configDirectory = (0,external_node_path_namespaceObject.join)(directory, 'docker-config');
    await (0,external_node_fs_promises_namespaceObject.mkdir)(configDirectory, { mode: 0o700 });
    await (0,external_node_fs_promises_namespaceObject.writeFile)((0,external_node_path_namespaceObject.join)(configDirectory, 'config.json'), JSON.stringify(config), { mode: 0o600, flag: 'wx' });
    for (const name of ['cli-plugins', 'contexts']) {
        const target = (0,external_node_path_namespaceObject.join)(userConfigDirectory, name);
        if (await exists(target))
            await (0,external_node_fs_promises_namespaceObject.symlink)(target, (0,external_node_path_namespaceObject.join)(configDirectory, name));
    }
    if (buildState)
        await linkBuildState(buildState, userConfigDirectory, configDirectory);
    return configDirectory;
}
// Where each CLI keeps its build state in DOCKER_CONFIG: a 20.10 to 22.x client the `.buildNodeID` file, buildx a
// directory holding its own `.buildNodeID` and its builders.
const buildStateEntry = { builtin: '.buildNodeID', buildx: 'buildx' };
/**
 * The CLI names its BuildKit session after `.buildNodeID`, and BuildKit asks a session it knows only for the files that
 * changed since its last context. Under a new name each run a 43 MB context went over whole: 0.96 s a build against
 * 0.60 s. So the build state is kept where the CLI keeps it, and made there as the CLI would make it.
 */
async function linkBuildState(cliKind, userConfigDirectory, configDirectory) {
    const entry = (0,external_node_path_namespaceObject.join)(userConfigDirectory, buildStateEntry[cliKind]);
    try {
        if (cliKind === 'buildx')
            await (0,external_node_fs_promises_namespaceObject.mkdir)(entry, { recursive: true, mode: 0o700 });
        else
            await makeBuildNodeId(entry);
        await (0,external_node_fs_promises_namespaceObject.symlink)(entry, (0,external_node_path_namespaceObject.join)(configDirectory, buildStateEntry[cliKind]));
    }
    catch {
        // An unwritable home costs the build its incremental context transfer, nothing more.
    }
}
// Written whole under another name, then linked into place: a job starting at the same moment never reads half an ID.
async function makeBuildNodeId(file) {
    if (await exists(file))
        return;
    await (0,external_node_fs_promises_namespaceObject.mkdir)((0,external_node_path_namespaceObject.dirname)(file), { recursive: true, mode: 0o700 });
    const draft = `${file}-${(0,external_node_crypto_namespaceObject.randomBytes)(8).toString('hex')}`;
    await (0,external_node_fs_promises_namespaceObject.writeFile)(draft, (0,external_node_crypto_namespaceObject.randomBytes)(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    try {
        await (0,external_node_fs_promises_namespaceObject.link)(draft, file).catch((error) => {
            if (error.code !== 'EEXIST')
                throw error;
        });
    }
    finally {
        await (0,external_node_fs_promises_namespaceObject.rm)(draft, { force: true });
    }
}
function exists(path) {
    return (0,external_node_fs_promises_namespaceObject.access)(path).then(() => true, () => false);
}
/** Removes a directory `createStepDirectory` made; false when there was none left. */
async function removeStepDirectory(directory) {
    // The path comes back through step state; never remove anything this step could not have made.
    if (!directory || !(0,external_node_path_namespaceObject.basename)(directory).startsWith(prefix))
        return false;
    const existed = await (0,external_node_fs_promises_namespaceObject.rm)(directory, { recursive: true }).then(() => true, (error) => {
        if (error.code === 'ENOENT')
            return false;
        throw error;
    });
    return existed;
}

;// CONCATENATED MODULE: ./src/summary.ts

/** The job summary: what was built, where it went, and how long each half took. */
function formatSummary(report) {
    const rows = [
        ['Tags', report.refs.map(ref => `\`${ref}\``).join('<br>')],
        ['Digest', report.digest ? `\`${report.digest}\`` : 'not pushed'],
        ['Image', `${formatBytes(report.sizeBytes, 'decimal')}, ${report.layers} ${report.layers === 1 ? 'layer' : 'layers'}`],
        ['Build', formatDuration(report.buildMs)],
        ['Push', report.pushMs === undefined ? 'skipped' : formatDuration(report.pushMs)],
    ];
    return [
        `### ${report.digest ? 'Pushed' : 'Built'} \`${report.image}\``,
        '',
        '| | |',
        '| --- | --- |',
        ...rows.map(([name, value]) => `| ${name} | ${value} |`),
        '',
    ].join('\n');
}

;// CONCATENATED MODULE: ./src/run.ts













function userDockerConfig(environment) {
    // Docker reads a relative DOCKER_CONFIG from the working directory; the links made to it live in another one.
    return (0,external_node_path_namespaceObject.resolve)(environment.DOCKER_CONFIG || (0,external_node_path_namespaceObject.join)(environment.HOME || (0,external_node_os_namespaceObject.homedir)(), '.docker'));
}
// buildx keeps its state under BUILDX_CONFIG when that is set, where the build finds it without a link.
function buildStateToLink(cli, environment) {
    return cli.kind === 'buildx' && environment.BUILDX_CONFIG ? undefined : cli.kind;
}
// Both are checked before anything touches the Engine or the registry, so a typo costs seconds, not a build.
async function checkBuildFiles(inputs) {
    const context = await (0,external_node_fs_promises_namespaceObject.stat)(inputs.context).catch(() => undefined);
    if (!context?.isDirectory()) {
        throw new errors/* ConfigError */.xL('context', `is not a directory ("${inputs.context}")`, 'Set it to the directory to build, relative to the workspace.');
    }
    const dockerfile = inputs.file ?? (0,external_node_path_namespaceObject.join)(inputs.context, 'Dockerfile');
    const file = await (0,external_node_fs_promises_namespaceObject.stat)(dockerfile).catch(() => undefined);
    if (file?.isFile())
        return dockerfile;
    if (inputs.file)
        throw new errors/* ConfigError */.xL('file', `names no file ("${inputs.file}")`, 'Set it to the Dockerfile path, relative to the workspace.');
    throw new errors/* ConfigError */.xL('file', `is not set, and the context has no Dockerfile ("${dockerfile}")`, 'Add one, or set file to the Dockerfile path.');
}
async function checkEngineCliAndRegistry(push, collaborators) {
    const { docker, runCommand, registry, logger, environment } = collaborators;
    const [engine, cli] = await Promise.all([
        docker.version().catch((error) => {
            throw new errors/* RemoteError */.Hi('Docker Engine', 'cannot be reached', {
                cause: error,
                remoteOutput: (0,errors/* errorMessage */.gJ)(error),
                next: 'Check DOCKER_HOST, or that dockerd runs.',
            });
        }),
        findBuildCli(runCommand, environment.PATH ?? '', hasBuildxPlugin(userDockerConfig(environment))),
        push ? registry.checkPushAccess() : undefined,
    ]);
    logger.info(`Docker Engine ${engine.Version} (API ${engine.ApiVersion}) on ${engine.Os}/${engine.Arch}`);
    logger.info(`Building with ${cli.path}: ${cli.kind === 'buildx' ? cli.version : `${cli.version}, its own BuildKit (DOCKER_BUILDKIT=1)`}`);
    if (push)
        logger.info(`Registry ${registry.registry} accepts the login`);
    return cli;
}
async function verifyTags(registry, tags, digest, logger) {
    const resolved = await Promise.all(tags.map(async (tag) => ({ tag, digest: await registry.readDigest(tag) })));
    const wrong = resolved.filter(found => found.digest !== digest);
    if (wrong.length > 0) {
        const answers = wrong.map(found => `${found.tag} → ${found.digest ?? 'no such tag'}`).join(', ');
        throw new errors/* RemoteError */.Hi(`Registry ${registry.registry}`, `does not serve the pushed digest ${digest}`, { remoteOutput: answers });
    }
    for (const found of resolved)
        logger.info(`${registry.repository}:${found.tag} → ${found.digest}`);
}
/** Builds, tags and labels the image, pushes every tag and checks the registry serves the pushed digest for each. */
async function buildImage(inputs, context, collaborators) {
    const { docker, runCommand, registry, clock, logger, saveState, environment } = collaborators;
    const push = inputs.push ?? !isPullRequest(context);
    const metadata = planImageMetadata(context, inputs, new Date(clock.now()));
    const credentials = registryCredentials(inputs);
    const dockerfile = await checkBuildFiles(inputs);
    logger.info(`Tags: ${metadata.tags.join(', ')}${push ? '' : ' (built only, not pushed)'}`);
    const cli = await runPhase(collaborators, 'preflight', 'Check the Docker Engine, the docker CLI and the registry', () => checkEngineCliAndRegistry(push, collaborators));
    const buildStarted = clock.now();
    const directory = await createStepDirectory(environment.RUNNER_TEMP || (0,external_node_os_namespaceObject.tmpdir)(), saveState);
    let imageId;
    try {
        const request = {
            context: inputs.context,
            dockerfile,
            target: inputs.target,
            buildArgs: inputs.buildArgs,
            labels: metadata.labels,
            refs: metadata.refs,
            cacheFrom: inputs.cacheFrom,
            secretFiles: await writeSecretFiles(directory, inputs.secrets),
            iidFile: (0,external_node_path_namespaceObject.join)(directory, 'image-id'),
            dockerConfig: credentials && (await writeDockerConfig(directory, registry.registry, credentials, userDockerConfig(environment), buildStateToLink(cli, environment))),
        };
        imageId = await runPhase(collaborators, 'build', `Build ${inputs.image}`, async (span) => {
            const id = await runBuild(cli, request, runCommand, logger);
            span.setAttributes({ 'container.image.id': id });
            return id;
        }, { 'container.image.tags': metadata.tags });
    }
    catch (error) {
        // The group is folded by now; the lines that explain the failure go right above the error.
        if (error instanceof BuildError) {
            logger.info(`Last output of ${error.step}:`);
            for (const line of error.lastLines)
                logger.untrusted(`  ${line}`);
        }
        throw error;
    }
    finally {
        // The login and the secrets stay on disk only while the build runs; the post step is there for a killed step.
        await removeStepDirectory(directory);
    }
    const buildMs = clock.now() - buildStarted;
    const image = await docker.getImage(imageId).inspect();
    let digest;
    let pushMs;
    if (push) {
        const pushStarted = clock.now();
        const auth = credentials && pushAuthFor(registry.registry, credentials);
        // The Engine uploads a layer once however many tags ask for it at the same time.
        const digests = await runPhase(collaborators, 'push', `Push ${metadata.tags.length} tags to ${registry.registry}`, () => Promise.all(metadata.tags.map(tag => pushTag(docker, inputs.image, tag, auth, logger))), { 'server.address': registry.registry });
        digest = digests[0];
        if (digests.some(other => other !== digest))
            throw new errors/* RemoteError */.Hi('Docker Engine', 'pushed one image under different digests', { remoteOutput: digests.join(', ') });
        pushMs = clock.now() - pushStarted;
        await runPhase(collaborators, 'digest check', `Check the registry serves ${digest} for every tag`, () => verifyTags(registry, metadata.tags, digest, logger), { 'container.image.repo_digests': [`${inputs.image}@${digest}`] });
    }
    const layers = image.RootFS.Layers?.length ?? 0;
    await logger.summary(formatSummary({ image: inputs.image, refs: metadata.refs, digest, sizeBytes: image.Size, layers, buildMs, pushMs }));
    const imageRef = digest && `${inputs.image}@${digest}`;
    return {
        digest,
        imageRef,
        tags: metadata.refs,
        version: metadata.version,
        metadata: JSON.stringify({
            image: inputs.image,
            imageId,
            digest,
            imageRef,
            version: metadata.version,
            tags: metadata.refs,
            labels: Object.fromEntries(metadata.labels),
            pushed: push,
            size: image.Size,
            layers,
            buildMs,
            pushMs,
        }),
    };
}

;// CONCATENATED MODULE: ./src/main.ts









/** The build step, or its post step that removes what the build left on the runner. */
async function run() {
    const logger = createActionsLogger();
    await runStep({
        main: () => {
            const reader = new InputReader(process.env);
            return traceStep({ name: 'build-image', taskType: 'build' }, { traceparent: parseTraceparent(reader.optional('traceparent')), logger }, async (tracer, root) => {
                const inputs = readInputs(reader, logger);
                root.setAttributes({ 'container.image.name': inputs.image });
                // dockerode (with gRPC and ssh2) is most of this bundle's start-up time, and the post step never needs it.
                const { default: Docker } = await __nccwpck_require__.e(/* import() */ 879).then(__nccwpck_require__.t.bind(__nccwpck_require__, 2879, 23));
                return buildImage(inputs, readGitHubContext(process.env), {
                    docker: new Docker(),
                    tracer,
                    runCommand: runCommand,
                    registry: new RegistryClient(inputs.image, registryCredentials(inputs)),
                    clock: Date,
                    logger,
                    saveState: saveStepState,
                    environment: process.env,
                });
            });
        },
        outputs: (outputs) => ({
            digest: outputs.digest,
            'image-ref': outputs.imageRef,
            tags: outputs.tags.join('\n'),
            version: outputs.version,
            metadata: outputs.metadata,
        }),
        post: async () => {
            if (await removeStepDirectory(readStepState(stepDirectoryState)))
                logger.info('Removed the registry login and secrets the build step left behind.');
        },
    });
}


/***/ }),

/***/ 2613:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("assert");

/***/ }),

/***/ 290:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("async_hooks");

/***/ }),

/***/ 181:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("buffer");

/***/ }),

/***/ 5317:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("child_process");

/***/ }),

/***/ 9140:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("constants");

/***/ }),

/***/ 6982:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("crypto");

/***/ }),

/***/ 2250:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("dns");

/***/ }),

/***/ 4434:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("events");

/***/ }),

/***/ 9896:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("fs");

/***/ }),

/***/ 8611:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http");

/***/ }),

/***/ 5675:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("http2");

/***/ }),

/***/ 5692:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("https");

/***/ }),

/***/ 9278:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("net");

/***/ }),

/***/ 857:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("os");

/***/ }),

/***/ 6928:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("path");

/***/ }),

/***/ 932:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("process");

/***/ }),

/***/ 3480:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("querystring");

/***/ }),

/***/ 2203:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("stream");

/***/ }),

/***/ 3193:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("string_decoder");

/***/ }),

/***/ 4756:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tls");

/***/ }),

/***/ 2018:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("tty");

/***/ }),

/***/ 7016:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("url");

/***/ }),

/***/ 9023:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("util");

/***/ }),

/***/ 3106:
/***/ ((module) => {

module.exports = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("zlib");

/***/ }),

/***/ 6246:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __nccwpck_require__) => {

/* harmony export */ __nccwpck_require__.d(__webpack_exports__, {
/* harmony export */   Hi: () => (/* binding */ RemoteError),
/* harmony export */   gJ: () => (/* binding */ errorMessage),
/* harmony export */   tY: () => (/* binding */ FailureWithOutputs),
/* harmony export */   xL: () => (/* binding */ ConfigError)
/* harmony export */ });
/* unused harmony export lastLine */
/**
 * A mistake the user fixes in the workflow file: names the input and says what to change.
 * Raised before anything touches a host, a registry or a bucket.
 */
class ConfigError extends Error {
    input;
    problem;
    fix;
    name = 'ConfigError';
    constructor(input, problem, fix) {
        super(`Input "${input}" ${problem}. ${fix}`);
        this.input = input;
        this.problem = problem;
        this.fix = fix;
    }
}
/**
 * Something outside us failed: a host, the Docker Engine, a registry, a database, a bucket.
 * Keeps the original error as `cause` and quotes the remote's last line, which is usually the one that explains.
 */
class RemoteError extends Error {
    where;
    name = 'RemoteError';
    remoteLastLine;
    constructor(where, what, options = {}) {
        const remoteLastLine = options.remoteOutput === undefined ? undefined : lastLine(options.remoteOutput);
        const quoted = remoteLastLine ? `: ${remoteLastLine}` : '';
        const next = options.next ? ` ${options.next}` : '';
        // A quoted line that ends a sentence already has its full stop.
        const stop = /[.!?]$/.test(`${what}${quoted}`) ? '' : '.';
        super(`${where}: ${what}${quoted}${stop}${next}`, { cause: options.cause });
        this.where = where;
        this.remoteLastLine = remoteLastLine;
    }
}
/**
 * A step that failed after it had outputs to give: the outputs as far as it got (which hosts run what, how many
 * objects were checked). The step frame sets them, then fails the step with `cause`.
 */
class FailureWithOutputs extends Error {
    cause;
    outputs;
    name = 'FailureWithOutputs';
    constructor(cause, outputs) {
        super(errorMessage(cause), { cause });
        this.cause = cause;
        this.outputs = outputs;
    }
}
/** The last non-blank line of some output, trimmed; `undefined` when there is none. */
function lastLine(output) {
    const lines = output.split(/\r?\n/).map(line => line.trim());
    return lines.filter(line => line !== '').at(-1);
}
/** A message for any thrown value, without a stack trace. */
function errorMessage(error) {
    if (error instanceof Error)
        return error.message;
    return String(error);
}
//# sourceMappingURL=errors.js.map

/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId].call(module.exports, module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/******/ // expose the modules object (__webpack_modules__)
/******/ __nccwpck_require__.m = __webpack_modules__;
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/******/ /* webpack/runtime/async module */
/******/ (() => {
/******/ 	var webpackQueues = typeof Symbol === "function" ? Symbol("webpack queues") : "__webpack_queues__";
/******/ 	var webpackExports = typeof Symbol === "function" ? Symbol("webpack exports") : "__webpack_exports__";
/******/ 	var webpackError = typeof Symbol === "function" ? Symbol("webpack error") : "__webpack_error__";
/******/ 	var resolveQueue = (queue) => {
/******/ 		if(queue && queue.d < 1) {
/******/ 			queue.d = 1;
/******/ 			queue.forEach((fn) => (fn.r--));
/******/ 			queue.forEach((fn) => (fn.r-- ? fn.r++ : fn()));
/******/ 		}
/******/ 	}
/******/ 	var wrapDeps = (deps) => (deps.map((dep) => {
/******/ 		if(dep !== null && typeof dep === "object") {
/******/ 			if(dep[webpackQueues]) return dep;
/******/ 			if(dep.then) {
/******/ 				var queue = [];
/******/ 				queue.d = 0;
/******/ 				dep.then((r) => {
/******/ 					obj[webpackExports] = r;
/******/ 					resolveQueue(queue);
/******/ 				}, (e) => {
/******/ 					obj[webpackError] = e;
/******/ 					resolveQueue(queue);
/******/ 				});
/******/ 				var obj = {};
/******/ 				obj[webpackQueues] = (fn) => (fn(queue));
/******/ 				return obj;
/******/ 			}
/******/ 		}
/******/ 		var ret = {};
/******/ 		ret[webpackQueues] = x => {};
/******/ 		ret[webpackExports] = dep;
/******/ 		return ret;
/******/ 	}));
/******/ 	__nccwpck_require__.a = (module, body, hasAwait) => {
/******/ 		var queue;
/******/ 		hasAwait && ((queue = []).d = -1);
/******/ 		var depQueues = new Set();
/******/ 		var exports = module.exports;
/******/ 		var currentDeps;
/******/ 		var outerResolve;
/******/ 		var reject;
/******/ 		var promise = new Promise((resolve, rej) => {
/******/ 			reject = rej;
/******/ 			outerResolve = resolve;
/******/ 		});
/******/ 		promise[webpackExports] = exports;
/******/ 		promise[webpackQueues] = (fn) => (queue && fn(queue), depQueues.forEach(fn), promise["catch"](x => {}));
/******/ 		module.exports = promise;
/******/ 		body((deps) => {
/******/ 			currentDeps = wrapDeps(deps);
/******/ 			var fn;
/******/ 			var getResult = () => (currentDeps.map((d) => {
/******/ 				if(d[webpackError]) throw d[webpackError];
/******/ 				return d[webpackExports];
/******/ 			}))
/******/ 			var promise = new Promise((resolve) => {
/******/ 				fn = () => (resolve(getResult));
/******/ 				fn.r = 0;
/******/ 				var fnQueue = (q) => (q !== queue && !depQueues.has(q) && (depQueues.add(q), q && !q.d && (fn.r++, q.push(fn))));
/******/ 				currentDeps.map((dep) => (dep[webpackQueues](fnQueue)));
/******/ 			});
/******/ 			return fn.r ? promise : getResult();
/******/ 		}, (err) => ((err ? reject(promise[webpackError] = err) : outerResolve(exports)), resolveQueue(queue)));
/******/ 		queue && queue.d < 0 && (queue.d = 0);
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/create fake namespace object */
/******/ (() => {
/******/ 	var getProto = Object.getPrototypeOf ? (obj) => (Object.getPrototypeOf(obj)) : (obj) => (obj.__proto__);
/******/ 	var leafPrototypes;
/******/ 	// create a fake namespace object
/******/ 	// mode & 1: value is a module id, require it
/******/ 	// mode & 2: merge all properties of value into the ns
/******/ 	// mode & 4: return value when already ns object
/******/ 	// mode & 16: return value when it's Promise-like
/******/ 	// mode & 8|1: behave like require
/******/ 	__nccwpck_require__.t = function(value, mode) {
/******/ 		if(mode & 1) value = this(value);
/******/ 		if(mode & 8) return value;
/******/ 		if(typeof value === 'object' && value) {
/******/ 			if((mode & 4) && value.__esModule) return value;
/******/ 			if((mode & 16) && typeof value.then === 'function') return value;
/******/ 		}
/******/ 		var ns = Object.create(null);
/******/ 		__nccwpck_require__.r(ns);
/******/ 		var def = {};
/******/ 		leafPrototypes = leafPrototypes || [null, getProto({}), getProto([]), getProto(getProto)];
/******/ 		for(var current = mode & 2 && value; typeof current == 'object' && !~leafPrototypes.indexOf(current); current = getProto(current)) {
/******/ 			Object.getOwnPropertyNames(current).forEach((key) => (def[key] = () => (value[key])));
/******/ 		}
/******/ 		def['default'] = () => (value);
/******/ 		__nccwpck_require__.d(ns, def);
/******/ 		return ns;
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/define property getters */
/******/ (() => {
/******/ 	// define getter functions for harmony exports
/******/ 	__nccwpck_require__.d = (exports, definition) => {
/******/ 		for(var key in definition) {
/******/ 			if(__nccwpck_require__.o(definition, key) && !__nccwpck_require__.o(exports, key)) {
/******/ 				Object.defineProperty(exports, key, { enumerable: true, get: definition[key] });
/******/ 			}
/******/ 		}
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/ensure chunk */
/******/ (() => {
/******/ 	__nccwpck_require__.f = {};
/******/ 	// This file contains only the entry chunk.
/******/ 	// The chunk loading function for additional chunks
/******/ 	__nccwpck_require__.e = (chunkId) => {
/******/ 		return Promise.all(Object.keys(__nccwpck_require__.f).reduce((promises, key) => {
/******/ 			__nccwpck_require__.f[key](chunkId, promises);
/******/ 			return promises;
/******/ 		}, []));
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/get javascript chunk filename */
/******/ (() => {
/******/ 	// This function allow to reference async chunks
/******/ 	__nccwpck_require__.u = (chunkId) => {
/******/ 		// return url for filenames based on template
/******/ 		return "" + chunkId + ".index.js";
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/hasOwnProperty shorthand */
/******/ (() => {
/******/ 	__nccwpck_require__.o = (obj, prop) => (Object.prototype.hasOwnProperty.call(obj, prop))
/******/ })();
/******/ 
/******/ /* webpack/runtime/make namespace object */
/******/ (() => {
/******/ 	// define __esModule on exports
/******/ 	__nccwpck_require__.r = (exports) => {
/******/ 		if(typeof Symbol !== 'undefined' && Symbol.toStringTag) {
/******/ 			Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
/******/ 		}
/******/ 		Object.defineProperty(exports, '__esModule', { value: true });
/******/ 	};
/******/ })();
/******/ 
/******/ /* webpack/runtime/import chunk loading */
/******/ (() => {
/******/ 	// no baseURI
/******/ 	
/******/ 	// object to store loaded and loading chunks
/******/ 	// undefined = chunk not loaded, null = chunk preloaded/prefetched
/******/ 	// [resolve, Promise] = chunk loading, 0 = chunk loaded
/******/ 	var installedChunks = {
/******/ 		792: 0
/******/ 	};
/******/ 	
/******/ 	var installChunk = (data) => {
/******/ 		var {ids, modules, runtime} = data;
/******/ 		// add "modules" to the modules object,
/******/ 		// then flag all "ids" as loaded and fire callback
/******/ 		var moduleId, chunkId, i = 0;
/******/ 		for(moduleId in modules) {
/******/ 			if(__nccwpck_require__.o(modules, moduleId)) {
/******/ 				__nccwpck_require__.m[moduleId] = modules[moduleId];
/******/ 			}
/******/ 		}
/******/ 		if(runtime) runtime(__nccwpck_require__);
/******/ 		for(;i < ids.length; i++) {
/******/ 			chunkId = ids[i];
/******/ 			if(__nccwpck_require__.o(installedChunks, chunkId) && installedChunks[chunkId]) {
/******/ 				installedChunks[chunkId][0]();
/******/ 			}
/******/ 			installedChunks[ids[i]] = 0;
/******/ 		}
/******/ 	
/******/ 	}
/******/ 	
/******/ 	__nccwpck_require__.f.j = (chunkId, promises) => {
/******/ 			// import() chunk loading for javascript
/******/ 			var installedChunkData = __nccwpck_require__.o(installedChunks, chunkId) ? installedChunks[chunkId] : undefined;
/******/ 			if(installedChunkData !== 0) { // 0 means "already installed".
/******/ 	
/******/ 				// a Promise means "currently loading".
/******/ 				if(installedChunkData) {
/******/ 					promises.push(installedChunkData[1]);
/******/ 				} else {
/******/ 					if(true) { // all chunks have JS
/******/ 						// setup Promise in chunk cache
/******/ 						var promise = import("./" + __nccwpck_require__.u(chunkId)).then(installChunk, (e) => {
/******/ 							if(installedChunks[chunkId] !== 0) installedChunks[chunkId] = undefined;
/******/ 							throw e;
/******/ 						});
/******/ 						var promise = Promise.race([promise, new Promise((resolve) => (installedChunkData = installedChunks[chunkId] = [resolve]))])
/******/ 						promises.push(installedChunkData[1] = promise);
/******/ 					}
/******/ 				}
/******/ 			}
/******/ 	};
/******/ 	
/******/ 	// no prefetching
/******/ 	
/******/ 	// no preloaded
/******/ 	
/******/ 	// no external install chunk
/******/ 	
/******/ 	// no on chunks loaded
/******/ })();
/******/ 
/************************************************************************/
/******/ 
/******/ // startup
/******/ // Load entry module and return exports
/******/ // This entry module used 'module' so it can't be inlined
/******/ var __webpack_exports__ = __nccwpck_require__(7935);
/******/ __webpack_exports__ = await __webpack_exports__;
/******/ 
