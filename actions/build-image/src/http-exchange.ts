import {request as httpRequest, type IncomingMessage} from 'node:http';
import {request as httpsRequest} from 'node:https';

/** An HTTP answer read whole: the registry's answers here are empty or a small JSON document. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  /** A header's value, by case-insensitive name. */
  header(name: string): string | undefined;
  body: Buffer;
}

/**
 * One request over node:http(s). Not fetch: its first call loads Node's bundled undici, which cost this action about
 * 40 ms of a 0.4 s build and push (measured), most of it before the build could start.
 */
export function exchange(url: string, options: {method: string; headers: Record<string, string>; timeoutMs: number}): Promise<HttpAnswer> {
  const send = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const call = send(url, {method: options.method, headers: options.headers, timeout: options.timeoutMs}, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
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
    call.on('timeout', () => call.destroy(new Error(`no answer within ${options.timeoutMs / 1000}s`)));
    call.on('error', reject);
    call.end();
  });
}
