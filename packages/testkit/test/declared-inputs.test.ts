import {mkdir, mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {findInputMismatch} from '../src/declared-inputs.js';

async function action(yaml: string, source: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'declared-inputs-'));
  await mkdir(join(directory, 'src'));
  await writeFile(join(directory, 'action.yml'), yaml);
  await writeFile(join(directory, 'src', 'inputs.ts'), source);
  return directory;
}

const yaml = 'name: x\ndescription: x\ninputs:\n  image:\n    description: x\n  dry run:\n    description: x\n  legacy:\n    description: x\n';

describe('findInputMismatch', () => {
  it('passes when the reads and the declarations agree, through the environment and the sources alike', async () => {
    const directory = await action(yaml, "reader.optional('image'); reader.boolean(\n  'dry run', false);");
    const mismatch = findInputMismatch(directory, {
      scenarios: [{}],
      read: environment => [environment.INPUT_IMAGE, environment.INPUT_DRY_RUN],
      unused: {legacy: 'kept for v1 workflows'},
    });
    expect(mismatch).toEqual({undeclared: [], unread: []});
  });

  it('names a read that is not declared and a declaration nothing reads', async () => {
    const directory = await action(yaml, "reader.list('imgae');");
    const mismatch = findInputMismatch(directory, {scenarios: [{image: 'x'}], read: environment => environment['INPUT_DRY-RUN']});
    expect(mismatch).toEqual({undeclared: ['dry-run', 'imgae'], unread: ['dry run', 'image', 'legacy']});
  });
});
