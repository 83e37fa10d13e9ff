import {Agent, request} from 'node:http';
import type {Socket} from 'node:net';

export interface LoadTarget {
  name: string;
  /** Base URL, e.g. http://198.18.0.11:8080 */
  url: string;
}

export interface LoadResponse {
  target: string;
  path: string;
  startedAt: number;
  endedAt: number;
  status: number;
  body: string;
  /** Which server answered: the test app's X-App-Host header (its container's hostname), or '' without one. */
  server: string;
}

export interface LoadFailure {
  target: string;
  path: string;
  startedAt: number;
  error: string;
}

export interface LoadReport {
  responses: LoadResponse[];
  failures: LoadFailure[];
  /** Idempotent requests retried, once each, because the server closed a reused keep-alive connection before any response byte. */
  retries: number;
}

export interface LoadOptions {
  targets: LoadTarget[];
  /** Concurrent keep-alive connections per target, each sending requests back to back. */
  connectionsPerTarget: number;
  /** Requests per target that hold open (`/hold`), started one after another for the whole run. */
  holdPath?: string;
  /** Stops after this many requests in all, or this long, whichever comes first. */
  maxRequests: number;
  maxDurationMs: number;
}

/**
 * A bounded HTTP load against the sandbox hosts: `connectionsPerTarget` loops per target, each on a keep-alive
 * connection. A strict client, like browsers and RFC 9112 §9.3.1: it retries an idempotent request once, counted, only
 * when it went on a reused keep-alive connection that the server closed before any response byte (the server may have
 * closed it idle just as the request left). A reset on a fresh connection, a reset after response bytes and a timeout
 * are failures: the server lost a request it had accepted.
 */
export function startLoad(options: LoadOptions): {stop: () => Promise<LoadReport>; finished: Promise<void>} {
  const report: LoadReport = {responses: [], failures: [], retries: 0};
  const deadline = Date.now() + options.maxDurationMs;
  let sent = 0;
  let stopping = false;
  const agents: Agent[] = [];
  // Requests each socket has been given: more than one means this request reuses a kept-alive connection.
  const requestsOn = new WeakMap<Socket, number>();

  const get = (agent: Agent | false, target: LoadTarget, path: string, retried = false): Promise<void> =>
    new Promise(resolve => {
      const startedAt = Date.now();
      let reused = false;
      let socket: Socket | undefined;
      let bytesBefore = 0;
      // A connection closed mid-response errors both the response and the request: one failure.
      let settled = false;
      const fail = (error: string) => {
        if (settled) return;
        settled = true;
        report.failures.push({target: target.name, path, startedAt, error});
        resolve();
      };
      const call = request(`${target.url}${path}`, {agent, method: 'GET', timeout: 30_000});
      call.on('socket', assigned => {
        socket = assigned;
        const served = requestsOn.get(assigned) ?? 0;
        requestsOn.set(assigned, served + 1);
        reused = served > 0;
        bytesBefore = assigned.bytesRead;
      });
      call.on('response', response => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          settled = true;
          report.responses.push({
            target: target.name,
            path,
            startedAt,
            endedAt: Date.now(),
            status: response.statusCode ?? 0,
            body: body.trim(),
            server: String(response.headers['x-app-host'] ?? ''),
          });
          resolve();
        });
        response.on('error', error => fail(`response: ${error.message}`));
      });
      call.on('timeout', () => call.destroy(new Error('timed out')));
      call.on('error', error => {
        const code = (error as NodeJS.ErrnoException).code;
        const answered = socket !== undefined && socket.bytesRead > bytesBefore;
        if (!settled && !retried && reused && !answered && (code === 'ECONNRESET' || code === 'EPIPE')) {
          settled = true;
          report.retries++;
          // On a new connection, as the RFC says: the pool's other idle connections may be closing too.
          resolve(get(false, target, path, true));
        } else {
          fail(`${error.message} (${reused ? 'reused' : 'fresh'} connection${answered ? ', after response bytes' : ''})`);
        }
      });
      call.end();
    });

  const loop = async (agent: Agent, target: LoadTarget, path: string) => {
    while (!stopping && sent < options.maxRequests && Date.now() < deadline) {
      sent++;
      await get(agent, target, path);
    }
  };

  const loops: Array<Promise<void>> = [];
  for (const target of options.targets) {
    const agent = new Agent({keepAlive: true, maxSockets: options.connectionsPerTarget});
    agents.push(agent);
    for (let connection = 0; connection < options.connectionsPerTarget; connection++) loops.push(loop(agent, target, '/'));
    if (options.holdPath) {
      const holdAgent = new Agent({keepAlive: true, maxSockets: 1});
      agents.push(holdAgent);
      loops.push(loop(holdAgent, target, options.holdPath));
    }
  }

  return {
    /** Settles when every loop has reached maxRequests or maxDurationMs by itself. */
    finished: Promise.all(loops).then(() => undefined),
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return report;
    },
  };
}
