import {randomUUID} from 'node:crypto';
import * as core from '@actions/core';
import {type Logger, SecretRedactor, secretParts, timePhase} from '../logger.js';

// One for the step, as the runner's masks are: what any logger was asked to hide, failStep hides as well.
const redactor = new SecretRedactor();

/** Hides every secret that a logger of this step was asked to mask. */
export function redactSecrets(text: string): string {
  return redactor.redact(text);
}

// Set while the runner reads no workflow commands: from the first untrusted line to the next line of ours, so a
// streamed log costs one pair of marker lines, not a pair per line.
let stopToken: string | undefined;

function writeUntrusted(text: string): void {
  if (stopToken === undefined) {
    // New and random each time, so no text can end the stretch, even one that read an earlier token in the log.
    stopToken = randomUUID();
    core.info(`::stop-commands::${stopToken}`);
  }
  core.info(redactor.redact(text));
}

/** Lets the runner read workflow commands again after untrusted text; everything of ours that writes one calls it first. */
export function resumeCommands(): void {
  if (stopToken === undefined) return;
  core.info(`::${stopToken}::`);
  stopToken = undefined;
}

/** `write`, run once the runner reads workflow commands again. */
function resumeBefore<A extends unknown[]>(write: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    resumeCommands();
    write(...args);
  };
}

/** A logger that speaks the runner's workflow commands: groups, masks, annotations and the job summary. */
export function createActionsLogger(environment: Record<string, string | undefined> = process.env): Logger {
  let summaryWarned = false;
  return {
    info: resumeBefore(message => core.info(redactor.redact(message))),
    untrusted: writeUntrusted,
    debug: resumeBefore(message => core.debug(redactor.redact(message))),
    warning: resumeBefore((message, annotation) => core.warning(redactor.redact(message), annotation ?? {})),
    error: resumeBefore((message, annotation) => core.error(redactor.redact(message), annotation ?? {})),
    group: async (title, phase) => {
      resumeCommands();
      core.startGroup(title);
      try {
        return await timePhase(title, phase, resumeBefore(core.info));
      } finally {
        resumeCommands();
        core.endGroup();
      }
    },
    mask: resumeBefore(secret => {
      // The runner's add-mask hides the value it is given, whole: unlike the job's own secrets, a multi-line value is
      // not split. It masks any value that is not blank, however short, so every line goes as it is.
      for (const part of secretParts(secret)) core.setSecret(part);
      redactor.add(secret);
    }),
    summary: async markdown => {
      resumeCommands();
      // act runs steps without a summary file (or wipes it between steps); a missing summary is no reason to fail.
      if (!environment.GITHUB_STEP_SUMMARY) {
        if (!summaryWarned) core.warning(`No job summary here${environment.ACT ? ' (act discards them)' : ''}; the summary is skipped.`);
        summaryWarned = true;
        return;
      }
      await core.summary.addRaw(redactor.redact(markdown), true).write();
    },
  };
}
