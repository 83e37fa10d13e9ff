import * as core from '@actions/core';
import {type Logger, SecretRedactor, secretParts, timePhase} from '../logger.js';

// One for the step, as the runner's masks are: what any logger was asked to hide, failStep hides as well.
const redactor = new SecretRedactor();

/** Hides every secret that a logger of this step was asked to mask. */
export function redactSecrets(text: string): string {
  return redactor.redact(text);
}

/** A logger that speaks the runner's workflow commands: groups, masks, annotations and the job summary. */
export function createActionsLogger(environment: Record<string, string | undefined> = process.env): Logger {
  let summaryWarned = false;
  return {
    info: message => core.info(redactor.redact(message)),
    debug: message => core.debug(redactor.redact(message)),
    warning: (message, annotation) => core.warning(redactor.redact(message), annotation ?? {}),
    error: (message, annotation) => core.error(redactor.redact(message), annotation ?? {}),
    group: async (title, phase) => {
      core.startGroup(title);
      try {
        return await timePhase(title, phase, line => core.info(line));
      } finally {
        core.endGroup();
      }
    },
    mask: secret => {
      // The runner's add-mask hides the value it is given, whole: unlike the job's own secrets, a multi-line value is
      // not split. It masks any value that is not blank, however short, so every line goes as it is.
      for (const part of secretParts(secret)) core.setSecret(part);
      redactor.add(secret);
    },
    summary: async markdown => {
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
