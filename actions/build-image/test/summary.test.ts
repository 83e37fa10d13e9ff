import {describe, expect, it} from 'vitest';
import {formatSummary} from '../src/summary.js';

describe('formatSummary', () => {
  it('tabulates tags, digest, size, layers and durations', () => {
    const markdown = formatSummary({
      image: 'ghcr.io/o/app',
      refs: ['ghcr.io/o/app:abc', 'ghcr.io/o/app:main'],
      digest: 'sha256:1dc4',
      sizeBytes: 2_048_576,
      layers: 5,
      buildMs: 12_340,
      pushMs: 850,
    });
    expect(markdown).toBe(
      [
        '### Pushed `ghcr.io/o/app`',
        '',
        '| | |',
        '| --- | --- |',
        '| Tags | `ghcr.io/o/app:abc`<br>`ghcr.io/o/app:main` |',
        '| Digest | `sha256:1dc4` |',
        '| Image | 2.05 MB, 5 layers |',
        '| Build | 12.3s |',
        '| Push | 850ms |',
        '',
      ].join('\n'),
    );
  });

  it('says when the image was built but not pushed', () => {
    const markdown = formatSummary({image: 'app', refs: ['app:abc'], digest: undefined, sizeBytes: 10, layers: 1, buildMs: 100, pushMs: undefined});
    expect(markdown).toContain('### Built `app`');
    expect(markdown).toContain('| Digest | not pushed |');
    expect(markdown).toContain('| Image | 10 B, 1 layer |');
    expect(markdown).toContain('| Push | skipped |');
  });
});
