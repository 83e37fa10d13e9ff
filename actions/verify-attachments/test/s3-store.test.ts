import {describe, expect, it} from 'vitest';
import {toStoreError} from '../src/s3-store.js';

const sdkError = (name: string, status: number | undefined, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name === 'Unknown' ? 'UnknownError' : `${name} message`), {name, $metadata: {httpStatusCode: status}, ...extra});

describe('toStoreError', () => {
  // prettier-ignore
  it.each([
    ['503 SlowDown', sdkError('SlowDown', 503), true, 'HEAD: 503 SlowDown'],
    ['a HEAD 503 the SDK cannot name', sdkError('Unknown', 503), true, 'HEAD: 503'],
    ['500 InternalError', sdkError('InternalError', 500), true, 'HEAD: 500 InternalError'],
    ['429', sdkError('TooManyRequests', 429), true, 'HEAD: 429 TooManyRequests'],
    ['a timeout', Object.assign(new Error('socket timed out'), {name: 'TimeoutError'}), true, 'HEAD: socket timed out'],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'}), true, 'HEAD: read ECONNRESET'],
    ['a hang-up', new Error('socket hang up'), true, 'HEAD: socket hang up'],
    ['403', sdkError('Forbidden', 403), false, 'HEAD: 403 Forbidden'],
    ['400', sdkError('BadRequest', 400), false, 'HEAD: 400 BadRequest'],
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {name: 'CredentialsProviderError'}),
      false,
      'HEAD: Could not load credentials from any providers',
    ],
  ])('sorts %s', (_, error, transient, message) => {
    const storeError = toStoreError(error, 'HEAD');
    expect(storeError.transient).toBe(transient);
    expect(storeError.message).toBe(message);
  });
});
