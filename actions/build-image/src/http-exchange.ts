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

export interface HttpRequest {
  /** GET or HEAD: the only methods sent, so a redirect keeps the method. */
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  /** For each request, answer included; a redirect starts a new one. */
  timeoutMs: number;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const maxRedirects = 5;

/**
 * A request over node:http(s), following redirects as fetch would. Not fetch: its first call loads Node's bundled
 * undici, which cost this action about 40 ms of a 0.4 s build and push (measured), most of it before the build.
 */
export async function exchange(url: string, request: HttpRequest): Promise<HttpAnswer> {
  let target = new URL(url);
  let headers = request.headers;
  for (let redirects = 0; ; redirects++) {
    const answer = await exchangeOnce(target, {...request, headers});
    const location = answer.header('location');
    if (!redirectStatuses.has(answer.status) || location === undefined) return answer;
    const next = new URL(location, target);
    // Without its query: a redirect to storage may carry a signature in it.
    if (redirects === maxRedirects) throw new Error(`more than ${maxRedirects} redirects, the last to ${next.origin}${next.pathname}`);
    // As fetch does: a login meant for one origin is not handed on to another.
    if (next.origin !== target.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    target = next;
  }
}

function exchangeOnce(url: URL, request: HttpRequest): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const call = send(url, {method: request.method, headers: request.headers}, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
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
