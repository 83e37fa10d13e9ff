import {describe, expect, it} from 'vitest';
import {BuildError, BuildProgress} from '../src/build-progress.js';

// As Docker 20.10's own BuildKit prints it.
const builtinFailure = `#6 [build 3/4] RUN --mount=type=secret,id=token sha256sum /run/secrets/token
#6 sha256:fd90e908ea02dbb730b078656469b5a83f7f7d0043432898238ad63826b84b27
#6 0.187 line one
#6 DONE 0.2s

#7 [build 4/4] RUN echo about to fail; echo "really failing now"; exit 3
#7 sha256:6fbb93438324737cca2b8c4450dfc46257becc68002820e187eb7f819e5d8f3a
#7 0.270 about to fail
#7 0.270 really failing now
#7 ERROR: executor failed running [/bin/sh -c echo about to fail; echo "really failing now"; exit 3]: exit code: 3
------
 > [build 4/4] RUN echo about to fail; echo "really failing now"; exit 3:
------
executor failed running [/bin/sh -c echo about to fail; echo "really failing now"; exit 3]: exit code: 3`;

// As buildx prints it, with a second stage cancelled by the first one's failure.
const buildxFailure = `#9 [assets 2/2] RUN yarn build
#10 [gems 2/2] RUN bundle install
#9 1.204 yarn run v1.22.22
#10 0.513 Fetching gem metadata
#9 3.410 error Command failed with exit code 1.
#9 ERROR: process "/bin/sh -c yarn build" did not complete successfully: exit code: 1
#10 CANCELED
#10 ERROR: context canceled
------
 > [assets 2/2] RUN yarn build:
3.410 error Command failed with exit code 1.
------
ERROR: failed to solve: process "/bin/sh -c yarn build" did not complete successfully: exit code: 1`;

const missingFile = `#4 [1/1] COPY nope /nope
#4 sha256:ad3b41c706c626fba5d1247c327c47f4e7f28405d8814cb604f3b0d97cf025f7
#4 ERROR: "/nope" not found: not found
------
 > [1/1] COPY nope /nope:
------
failed to compute cache key: "/nope" not found: not found`;

const syntaxError = `#2 [internal] load .dockerignore
#2 DONE 0.0s
failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: RUNN`;

function failureOf(output: string) {
  const progress = new BuildProgress();
  for (const line of output.split('\n')) progress.read(line);
  return progress.failure(output);
}

describe('BuildProgress', () => {
  // biome-ignore format: one build log per line
  it.each([
    ['a RUN that exits non-zero (Docker 20.10)', builtinFailure, 'Docker build: [build 4/4] RUN echo about to fail; echo "really failing now"; exit 3 failed with exit code 3: really failing now.', ['about to fail', 'really failing now']],
    ['the first of two failed stages (buildx)', buildxFailure, 'Docker build: [assets 2/2] RUN yarn build failed with exit code 1: error Command failed with exit code 1.', ['yarn run v1.22.22', 'error Command failed with exit code 1.']],
    ['a COPY of a missing file', missingFile, 'Docker build: [1/1] COPY nope /nope failed ("/nope" not found: not found).', []],
  ])('names the failing instruction of %s and quotes its last output', (_, output, message, lastLines) => {
    const failure = failureOf(output);
    expect(failure).toBeInstanceOf(BuildError);
    expect(failure.message).toBe(message);
    expect((failure as BuildError).lastLines).toEqual(lastLines);
  });

  it("quotes the CLI's last line when no instruction failed", () => {
    const failure = failureOf(syntaxError);
    expect(failure).not.toBeInstanceOf(BuildError);
    expect(failure.message).toBe(
      'Docker build: failed: failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: RUNN.',
    );
  });

  it('keeps only the last ten lines of a step and shortens a long instruction', () => {
    const lines = [`#5 [2/2] RUN ${'x'.repeat(200)}`, ...Array.from({length: 30}, (_, index) => `#5 0.${index} line ${index}`), '#5 ERROR: exit code: 2'];
    const failure = failureOf(lines.join('\n')) as BuildError;
    expect(failure.lastLines).toEqual(Array.from({length: 10}, (_, index) => `line ${index + 20}`));
    expect(failure.step).toHaveLength(100);
    expect(failure.step.endsWith('…')).toBe(true);
  });
});
