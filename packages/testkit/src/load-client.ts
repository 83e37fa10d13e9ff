import {Agent, request} from 'node:http';

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
  /** Idempotent requests retried because the server closed a reused keep-alive connection before answering. */
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
 * connection. A request whose keep-alive connection the server closed before any response byte is retried once and
 * counted: RFC 9112 §9.3.1 lets a client do that for idempotent requests. Any other error is a failure.
 */
export function startLoad(options: LoadOptions): {stop: () => Promise<LoadReport>} {
  const report: LoadReport = {responses: [], failures: [], retries: 0};
  const deadline = Date.now() + options.maxDurationMs;
  let sent = 0;
  let stopping = false;
  const agents: Agent[] = [];

  const get = (agent: Agent | false, target: LoadTarget, path: string, retried = false): Promise<void> =>
    new Promise(resolve => {
      const startedAt = Date.now();
      const call = request(`${target.url}${path}`, {agent, method: 'GET', timeout: 30_000});
      call.on('response', response => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => {
          report.responses.push({target: target.name, path, startedAt, endedAt: Date.now(), status: response.statusCode ?? 0, body: body.trim()});
          resolve();
        });
        response.on('error', error => {
          report.failures.push({target: target.name, path, startedAt, error: `response: ${error.message}`});
          resolve();
        });
      });
      call.on('timeout', () => call.destroy(new Error('timed out')));
      call.on('error', error => {
        const code = (error as NodeJS.ErrnoException).code;
        if (!retried && (code === 'ECONNRESET' || code === 'EPIPE')) {
          report.retries++;
          // On a new connection, as the RFC says: the pool's other idle connections may be closing too.
          resolve(get(false, target, path, true));
        } else {
          report.failures.push({target: target.name, path, startedAt, error: error.message});
          resolve();
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
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return report;
    },
  };
}
