import {request} from 'node:http';
import type {Duplex} from 'node:stream';
import {errorMessage} from '@circuitverse/shared';

export interface HealthAttempt {
  /** HTTP status, or `undefined` when no response came. */
  status: number | undefined;
  /** The reason phrase and the start of the body, or why there was no response. */
  detail: string;
}

/** One GET over a stream the caller opened (an SSH tunnel to the container's port), with its own deadline. */
export function probe(stream: Duplex, path: string, timeoutMs: number): Promise<HealthAttempt> {
  return new Promise(resolve => {
    const call = request({createConnection: () => stream as never, path, method: 'GET', headers: {Host: 'localhost', Connection: 'close'}});
    const timer = setTimeout(() => {
      call.destroy();
      resolve({status: undefined, detail: `no answer within ${timeoutMs}ms`});
    }, timeoutMs);
    call.on('response', response => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 200) body += chunk;
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({status: response.statusCode, detail: `${response.statusMessage ?? ''} ${JSON.stringify(body.trim().slice(0, 120))}`.trim()});
      });
      response.on('error', error => {
        clearTimeout(timer);
        resolve({status: response.statusCode, detail: errorMessage(error)});
      });
    });
    call.on('error', error => {
      clearTimeout(timer);
      resolve({status: undefined, detail: errorMessage(error)});
    });
    call.end();
  });
}

/** A 2xx answers "healthy", as Kamal and kamal-proxy accept any 2xx. */
export function isHealthy(attempt: HealthAttempt): boolean {
  return attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
}
