import {createConsoleLogger} from '@circuitverse/shared';
import {describe, expect, it} from 'vitest';
import {deploySwarm, type SwarmCollaborators, unlock} from '../src/swarm/deploy-swarm.js';
import type {EngineApi, EngineResponse} from '../src/swarm/engine-api.js';
import {fakeClock, fakeInputs} from './fake-host.js';

/**
 * A manager's Engine API in memory: configs and secrets by name, one service whose tasks all run the spec's version
 * on the next poll, three ready nodes.
 */
class FakeEngine implements EngineApi {
  readonly where = 'manager';
  readonly calls: string[] = [];
  readonly configs = new Map<string, {ID: string; Spec: {Name: string; Labels: Record<string, string>; Data: string}}>();
  readonly secrets = new Map<string, {ID: string; Spec: {Name: string; Labels: Record<string, string>}}>();
  service: {ID: string; Version: {Index: number}; Spec: {Labels: Record<string, string>}} | undefined;
  closed = false;
  onPoll: () => void = () => {};
  taskState = 'running';
  /** Per node: its state, and whether its task runs (false: the node's engine is gone). */
  nodeStates: Record<string, {state: string; runs: boolean}> = {
    a: {state: 'ready', runs: true},
    b: {state: 'ready', runs: true},
    c: {state: 'ready', runs: true},
  };
  /**
   * A node whose engine went before its task of the new spec ran: that task stays assigned there, and Swarm's update
   * waits for it, leaving the other nodes on the spec before, until an update of the spec starts it again.
   */
  stalledNode: string | undefined;
  /** The version of the update that made the stalled task: a later update leaves the down node out. */
  stalledVersion: string | undefined;
  /** Whether the stalled node was the last in Swarm's order: the other nodes already run the new spec. */
  stalledLast = false;
  /** The state the stalled task shows: it may have been starting when its node went. */
  stalledState = 'assigned';
  /** Tasks listed besides the nodes' own, as a failed one. */
  extraTasks: unknown[] = [];
  updateState: string | undefined;
  /** Updates Swarm refuses as out of sequence before it takes one, as when it bumped the version meanwhile. */
  outOfSequence = 0;
  previousSpec: {Labels: Record<string, string>} | undefined;
  updates = 0;
  /** Whether the listings of configs and secrets answer what there is (else nothing). */
  listAll = false;
  /** Names of configs and secrets whose DELETE answers 503. */
  failDeletes = new Set<string>();

  async request(method: string, path: string, options: {body?: unknown} = {}): Promise<EngineResponse> {
    this.calls.push(`${method} ${path.split('?')[0]}`);
    const ok = (body: unknown, status = 200) => ({status, body: JSON.stringify(body)});
    const body = options.body as {Name: string; Labels: Record<string, string>; Data: string};
    if (path === '/info') return ok({Swarm: {ControlAvailable: true, LocalNodeState: 'active'}});
    if (path === '/nodes')
      return ok(Object.entries(this.nodeStates).map(([id, node]) => ({ID: id, Description: {Hostname: `host-${id}`}, Status: {State: node.state}})));
    if (method === 'POST' && path === '/configs/create') {
      if (this.configs.has(body.Name)) return ok({message: 'conflict'}, 409);
      this.configs.set(body.Name, {ID: `config-${body.Name}`, Spec: body});
      return ok({ID: `config-${body.Name}`}, 201);
    }
    if (method === 'POST' && path === '/secrets/create') {
      this.secrets.set(body.Name, {ID: `secret-${body.Name}`, Spec: body});
      return ok({ID: `secret-${body.Name}`}, 201);
    }
    const named = /^\/(configs|secrets)\/([^/?]+)$/.exec(path);
    if (named) {
      const store = named[1] === 'configs' ? this.configs : this.secrets;
      const key = [...store.keys()].find(name => name === named[2] || store.get(name)?.ID === named[2]);
      if (key === undefined) return ok({message: 'not found'}, 404);
      if (method === 'DELETE') {
        if (this.failDeletes.has(key)) return ok({message: 'rpc error: code = Unavailable'}, 503);
        store.delete(key);
        return ok('', 204);
      }
      return ok(store.get(key));
    }
    if (path.startsWith('/configs?') || path.startsWith('/secrets?')) {
      if (!this.listAll) return ok([]);
      const store = path.startsWith('/configs?') ? this.configs : this.secrets;
      return ok([...store.values()].map(item => ({CreatedAt: '2026-01-01T00:00:00Z', ...item})));
    }
    if (path.startsWith('/images/create')) return {status: 200, body: '{"status":"Pulling"}\n{"status":"Digest: sha256:…"}\n'};
    if (path.startsWith('/images/')) return ok({Config: {Entrypoint: null, Cmd: ['serve']}});
    if (method === 'POST' && path === '/services/create') {
      this.service = {ID: 'svc', Version: {Index: 1}, Spec: options.body as {Labels: Record<string, string>}};
      return ok({ID: 'svc'}, 201);
    }
    if (method === 'POST' && path.startsWith('/services/svc/update') && this.outOfSequence > 0) {
      this.outOfSequence -= 1;
      return ok({message: 'rpc error: code = Unknown desc = update out of sequence'}, 500);
    }
    if (method === 'POST' && path.startsWith('/services/svc/update') && this.service) {
      // As Swarm: rollback=previous goes to the spec before, whatever the body says.
      const spec = path.includes('rollback=previous') && this.previousSpec ? this.previousSpec : (options.body as {Labels: Record<string, string>});
      this.previousSpec = this.service.Spec;
      this.service = {...this.service, Version: {Index: this.service.Version.Index + 1}, Spec: spec};
      if (this.stalledNode !== undefined) this.stalledVersion ??= spec.Labels['circuitverse.deploy.version'];
      this.updateState = 'updating';
      this.updates += 1;
      return ok({});
    }
    if (path.startsWith('/services/')) {
      if (!this.service) return ok({message: 'no such service'}, 404);
      return ok({
        ...this.service,
        ...(this.previousSpec ? {PreviousSpec: this.previousSpec} : {}),
        ...(this.updateState ? {UpdateStatus: {State: this.updateState, StartedAt: `update ${this.updates}`}} : {}),
      });
    }
    if (path.startsWith('/tasks')) {
      this.onPoll();
      const version = this.service?.Spec.Labels['circuitverse.deploy.version'];
      const waiting = this.stalledNode !== undefined && !this.stalledLast && !this.service?.Spec.Labels['circuitverse.deploy.restarted-without'];
      const runs = waiting ? this.previousSpec?.Labels['circuitverse.deploy.version'] : version;
      const task = (node: string, taskVersion: string | undefined, state: string) => ({
        ID: `task-${node}-${taskVersion}`,
        NodeID: node,
        DesiredState: 'running',
        Spec: {ContainerSpec: {Labels: {'circuitverse.deploy.version': taskVersion}}},
        Status: {State: state},
      });
      return ok([
        ...Object.entries(this.nodeStates)
          .filter(([, node]) => node.runs)
          .map(([node]) => task(node, runs, this.taskState)),
        ...(this.stalledNode === undefined ? [] : [task(this.stalledNode, this.stalledVersion, this.stalledState)]),
        ...this.extraTasks,
      ]);
    }
    throw new Error(`unexpected ${method} ${path}`);
  }

  close(): void {
    this.closed = true;
  }
}

function collaborators(engine: FakeEngine, signal = new AbortController().signal): SwarmCollaborators & {lines: string[]; lockForgotten: () => boolean} {
  const lines: string[] = [];
  let forgotten = false;
  return {
    lines,
    lockForgotten: () => forgotten,
    logger: createConsoleLogger({write: line => lines.push(line)}),
    clock: fakeClock(),
    openManager: async () => engine,
    origin: {actor: 'tester', runUrl: 'https://github.com/o/r/actions/runs/1'},
    signal,
    rememberLock: () => {},
    forgetLock: () => {
      forgotten = true;
    },
  };
}

const inputs = fakeInputs([], {driver: 'swarm', secrets: new Map([['API_KEY', 'hunter2']])});

/** The engine after a first deploy of v2, host-c's engine about to go: the next update's task there stays assigned. */
async function engineWithStalledNode(): Promise<FakeEngine> {
  const engine = new FakeEngine();
  await deploySwarm(inputs, collaborators(engine));
  engine.nodeStates.c = {state: 'ready', runs: false};
  engine.stalledNode = 'c';
  return engine;
}

describe('deploySwarm', () => {
  it('creates the service with the release’s secret, follows it to every node, records the release, unlocks', async () => {
    const engine = new FakeEngine();
    const outputs = await deploySwarm(inputs, collaborators(engine));
    expect(outputs).toMatchObject({version: 'v2', previousVersion: undefined, rolledBack: false});
    expect(outputs.hosts.map(host => [host.host, host.status, host.after])).toEqual([
      ['host-a', 'deployed', 'v2'],
      ['host-b', 'deployed', 'v2'],
      ['host-c', 'deployed', 'v2'],
    ]);
    expect([...engine.secrets.keys()]).toEqual([expect.stringMatching(/^web\.v2\.API_KEY\.[0-9a-f]{8}$/)]);
    expect(JSON.stringify(engine.service)).not.toContain('hunter2');
    expect(engine.service?.Spec).toMatchObject({TaskTemplate: {ContainerSpec: {Args: ['serve']}}});
    expect([...engine.configs.keys()]).toEqual(['web.release.v2']);
    expect(engine.closed).toBe(true);
  });

  it('refuses to deploy while another run holds the lock, and names the holder', async () => {
    const engine = new FakeEngine();
    engine.configs.set('web.deploy-lock', {
      ID: 'held',
      Spec: {Name: 'web.deploy-lock', Labels: {'circuitverse.deploy.lock-token': 'other'}, Data: Buffer.from('{"actor":"alice"}').toString('base64')},
    });
    await expect(deploySwarm(inputs, collaborators(engine))).rejects.toThrow(/web is locked by another deploy \({"actor":"alice"}\)/);
    expect(engine.service).toBeUndefined();
    expect(engine.configs.has('web.deploy-lock')).toBe(true);
  });

  it('keeps the lock remembered for the post step when Swarm fails to delete it', async () => {
    const engine = new FakeEngine();
    engine.failDeletes.add('web.deploy-lock');
    const deploy = collaborators(engine);
    expect(await deploySwarm(inputs, deploy)).toMatchObject({version: 'v2'});
    expect(engine.configs.has('web.deploy-lock')).toBe(true);
    expect(deploy.lockForgotten()).toBe(false);
    expect(deploy.lines.join('\n')).toMatch(/Could not release the lock \(.*503 rpc error: code = Unavailable\.?\); the post step tries again/);
    // The post step's unlock, by the token, throws too while Swarm fails, and deletes it once Swarm answers again.
    const token = engine.configs.get('web.deploy-lock')?.Spec.Labels['circuitverse.deploy.lock-token'] as string;
    await expect(unlock(engine, 'web', token)).rejects.toThrow(/could not release the deploy lock/);
    engine.failDeletes.clear();
    expect(await unlock(engine, 'web', token)).toBe(true);
    expect(engine.configs.has('web.deploy-lock')).toBe(false);
  });

  it('names each deploy’s secrets afresh, not from their value, and removes those of an earlier deploy of the version', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    const [first] = engine.secrets.keys();
    const again = collaborators(engine);
    engine.listAll = true;
    engine.onPoll = () => {
      engine.updateState = 'completed';
    };
    await deploySwarm(inputs, again);
    expect([...engine.secrets.keys()]).toEqual([expect.stringMatching(/^web\.v2\.API_KEY\.[0-9a-f]{8}$/)]);
    expect(engine.secrets.has(first as string)).toBe(false);
    expect(again.lines).toContain('Removed the secret web.v2.API_KEY');
    expect(again.lines.join('\n')).not.toContain(first);
  });

  it('forgets the lock once it is released', async () => {
    const deploy = collaborators(new FakeEngine());
    await deploySwarm(inputs, deploy);
    expect(deploy.lockForgotten()).toBe(true);
  });

  it('stops following a cancelled deploy and releases its lock', async () => {
    const engine = new FakeEngine();
    const cancel = new AbortController();
    engine.taskState = 'starting';
    engine.onPoll = () => cancel.abort();
    await expect(deploySwarm(inputs, collaborators(engine, cancel.signal))).rejects.toThrow(/cancelled/);
    expect(engine.configs.has('web.deploy-lock')).toBe(false);
  });

  it('rolls a role Swarm was moving back when the deploy is cancelled mid-rollout, then releases the lock', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    const cancel = new AbortController();
    let polls = 0;
    engine.onPoll = () => {
      polls += 1;
      if (polls === 1) cancel.abort();
      else engine.updateState = 'completed';
    };
    const run = collaborators(engine, cancel.signal);
    await expect(deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, run)).rejects.toThrow(/cancelled/);
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(2);
    expect(engine.service?.Spec.Labels['circuitverse.deploy.version']).toBe('v2');
    expect(run.lines).toContain('▸ Roll back the roles moved');
    expect(engine.configs.has('web.deploy-lock')).toBe(false);
  });

  it('rolls back after an Engine API error mid-rollout too', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    let polls = 0;
    const request = engine.request.bind(engine);
    engine.request = async (method, path, options) => {
      if (path.startsWith('/tasks') && ++polls === 1) return {status: 500, body: '{"message":"rpc error: code = Unavailable"}'};
      engine.updateState = polls > 1 ? 'completed' : engine.updateState;
      return request(method, path, options);
    };
    await expect(deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine))).rejects.toThrow(/could not list the tasks of web/);
    expect(engine.service?.Spec.Labels['circuitverse.deploy.version']).toBe('v2');
  });

  it('restarts an update that waits for a node gone down before its task ran, without it, and reports it lost', async () => {
    const engine = await engineWithStalledNode();
    let polls = 0;
    let restartedPolls = 0;
    engine.onPoll = () => {
      polls += 1;
      // Swarm's heartbeat timeout: the node is down for Swarm a few polls after its engine went.
      if (polls === 4) engine.nodeStates.c = {state: 'down', runs: false};
      if (engine.service?.Spec.Labels['circuitverse.deploy.restarted-without']) {
        // The restarted update's start-first swaps: each new task starting, then running. Starting is no failure.
        restartedPolls += 1;
        engine.taskState = restartedPolls < 3 ? 'starting' : 'running';
        if (restartedPolls >= 3) engine.updateState = 'completed';
      }
    };
    const run = collaborators(engine);
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, run);
    expect(outputs.hosts.map(host => [host.host, host.status])).toEqual([
      ['host-a', 'deployed'],
      ['host-b', 'deployed'],
      ['host-c', 'not-started'],
    ]);
    // Not before Swarm sees the node down: a new update would wait for it again.
    expect(polls).toBeGreaterThanOrEqual(4);
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(2);
    expect(engine.service?.Spec).toMatchObject({Labels: {'circuitverse.deploy.version': 'v3', 'circuitverse.deploy.restarted-without': 'host-c:task-c-v3'}});
    // The restart changes no task: two labels, and a failure pauses (Swarm's previous spec is now v3's own).
    const restarted = engine.service?.Spec as unknown as {Labels: Record<string, string>; UpdateConfig: object};
    const {'circuitverse.deploy.restarted-without': _, 'circuitverse.deploy.version-before': before, ...labels} = restarted.Labels;
    expect(before).toBe('v2');
    expect(restarted.UpdateConfig).toMatchObject({FailureAction: 'pause'});
    expect({...restarted, Labels: labels, UpdateConfig: {...restarted.UpdateConfig, FailureAction: 'rollback'}}).toEqual(engine.previousSpec);
    expect(run.lines).toContain("host-c: down before its task of v3 ran; Swarm's update, which would wait there, goes on without it");
    expect(run.lines).toContain('warning: host-c: the node is down; it runs no task of v3 until it is back, when Swarm starts one there.');
  });

  it('restarts again for a new task on a node that went down again, the labels naming that task', async () => {
    const engine = await engineWithStalledNode();
    let restarts = 0;
    engine.onPoll = () => {
      engine.nodeStates.c = {state: 'down', runs: false};
      const waitedFor = engine.service?.Spec.Labels['circuitverse.deploy.restarted-without'];
      if (waitedFor === 'host-c:task-c-v3' && restarts++ === 0) {
        // Back for a moment, Swarm's restarted update made host-c a new task, and the node went down again.
        engine.stalledNode = undefined;
        engine.extraTasks = [
          {
            ID: 'task-c-v3-again',
            NodeID: 'c',
            DesiredState: 'running',
            Spec: {ContainerSpec: {Labels: {'circuitverse.deploy.version': 'v3'}}},
            Status: {State: 'assigned'},
          },
        ];
      }
      if (waitedFor === 'host-c:task-c-v3-ag') engine.updateState = 'completed';
    };
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    expect(outputs.hosts.map(host => host.status)).toEqual(['deployed', 'deployed', 'not-started']);
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(3);
    expect(engine.service?.Spec.Labels['circuitverse.deploy.version-before']).toBe('v2');
  });

  it('after such a restart, rolls a cancelled deploy back to the spec read before it, which Swarm no longer keeps', async () => {
    const engine = await engineWithStalledNode();
    const cancel = new AbortController();
    engine.onPoll = () => {
      engine.nodeStates.c = {state: 'down', runs: false};
      const labels = engine.service?.Spec.Labels ?? {};
      if (labels['circuitverse.deploy.restarted-without']) cancel.abort();
      if (labels['circuitverse.deploy.version'] === 'v2') engine.updateState = 'completed';
    };
    const run = collaborators(engine, cancel.signal);
    await expect(deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, run)).rejects.toThrow(/cancelled/);
    // Swarm's previous spec is v3's own by then: the spec read before the deploy is what goes back.
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(3);
    expect(engine.service?.Spec.Labels).toEqual(expect.objectContaining({'circuitverse.deploy.version': 'v2'}));
    expect(engine.service?.Spec.Labels).not.toHaveProperty(['circuitverse.deploy.restarted-without']);
    expect(engine.configs.has('web.deploy-lock')).toBe(false);
  });

  it.each([
    {goesBack: true, why: 'rolls the role back itself when a task fails after the restart, as Swarm then only pauses'},
    {goesBack: false, why: 'says the release was not rolled back when that rollback does not converge either'},
  ])('$why', async ({goesBack}) => {
    const engine = await engineWithStalledNode();
    engine.onPoll = () => {
      engine.nodeStates.c = {state: 'down', runs: false};
      const labels = engine.service?.Spec.Labels ?? {};
      if (labels['circuitverse.deploy.restarted-without']) {
        // The restarted update leaves host-c out; its next update does too.
        engine.stalledNode = undefined;
        engine.updateState = 'paused';
        engine.extraTasks = [
          {
            ID: 'task-a-v3-failed',
            NodeID: 'a',
            DesiredState: 'shutdown',
            Spec: {ContainerSpec: {Labels: {'circuitverse.deploy.version': 'v3'}}},
            Status: {State: 'failed', Err: 'task: non-zero exit (1)'},
          },
        ];
      }
      if (labels['circuitverse.deploy.version'] === 'v2') {
        engine.updateState = goesBack ? 'completed' : 'updating';
        engine.taskState = goesBack ? 'running' : 'starting';
        engine.extraTasks = [];
      }
    };
    const run = collaborators(engine);
    const failure = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, run).catch((error: unknown) => error);
    expect(String(failure)).toMatch(/v3 failed after its update went on without host-c: host-a task task-a-v3-fa failed \(task: non-zero exit \(1\)\)/);
    expect(failure).toMatchObject({outputs: {rolledBack: goesBack}});
    expect(engine.service?.Spec.Labels['circuitverse.deploy.version']).toBe('v2');
    expect(run.lines).toContain('▸ Roll back the roles moved');
    if (!goesBack) expect(run.lines.join('\n')).toMatch(/warning: web: rolling back failed too \(v2 did not converge within/);
  });

  it('after a restart with no node left to update, which leaves Swarm with no update status, ends on the ready nodes', async () => {
    const engine = await engineWithStalledNode();
    engine.stalledLast = true;
    engine.onPoll = () => {
      engine.nodeStates.c = {state: 'down', runs: false};
      // swarmkit: an update with no dirty slot does not start, and the restart cleared the status.
      if (engine.service?.Spec.Labels['circuitverse.deploy.restarted-without']) engine.updateState = undefined;
    };
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    expect(outputs.hosts.map(host => [host.host, host.status])).toEqual([
      ['host-a', 'deployed'],
      ['host-b', 'deployed'],
      ['host-c', 'not-started'],
    ]);
  });

  it('ends, not at its deadline, when the node is back and runs the release before the monitor window is over', async () => {
    const engine = await engineWithStalledNode();
    engine.stalledLast = true;
    engine.stalledState = 'starting';
    let restartedAt: number | undefined;
    let polls = 0;
    engine.onPoll = () => {
      polls += 1;
      engine.nodeStates.c = {state: 'down', runs: false};
      if (engine.service?.Spec.Labels['circuitverse.deploy.restarted-without']) {
        restartedAt ??= polls;
        engine.updateState = undefined;
        if (polls > restartedAt) {
          // Back: the task the first update made there ended (as a failure, even), and Swarm started one of its own.
          engine.nodeStates.c = {state: 'ready', runs: true};
          engine.stalledState = 'failed';
        }
      }
    };
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    expect(outputs.hosts.map(host => host.status)).toEqual(['deployed', 'deployed', 'deployed']);
    expect(outputs.rolledBack).toBe(false);
  });

  it('rolls back, after a deploy that restarted the update, to the release before it, from its record', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    engine.nodeStates.c = {state: 'down', runs: false};
    engine.stalledNode = 'c';
    engine.onPoll = () => {
      if (engine.service?.Spec.Labels['circuitverse.deploy.restarted-without']) engine.updateState = 'completed';
    };
    await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    engine.stalledNode = undefined;
    engine.onPoll = () => {
      engine.updateState = 'completed';
    };
    const run = collaborators(engine);
    const outputs = await deploySwarm({...inputs, image: undefined, rollback: true}, run);
    expect(outputs).toMatchObject({version: 'v2', previousVersion: 'v3'});
    expect(engine.service?.Spec.Labels['circuitverse.deploy.version']).toBe('v2');
    expect(run.lines).toContain(
      "Swarm's previous spec is v3 as well (that deploy restarted Swarm's update without a lost node): back to the release before it, v2, from its record",
    );
  });

  it('refuses that rollback in one line when retain has pruned the release before, and changes nothing', async () => {
    const engine = await engineWithStalledNode();
    engine.onPoll = () => {
      engine.nodeStates.c = {state: 'down', runs: false};
      if (engine.service?.Spec.Labels['circuitverse.deploy.restarted-without']) engine.updateState = 'completed';
    };
    await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    engine.configs.delete('web.release.v2');
    const updates = engine.updates;
    await expect(deploySwarm({...inputs, image: undefined, rollback: true}, collaborators(engine))).rejects.toThrow(
      'Input "rollback" goes back to v2, which the swarm keeps no release of. Name one of the last retain releases in rollback-to (docker config ls on the manager lists them).',
    );
    expect(engine.updates).toBe(updates);
    expect(engine.configs.has('web.deploy-lock')).toBe(false);
  });

  it('waits, after Swarm completes, for a node that runs nothing until Swarm sees it down, and reports it lost', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    // host-c's engine went after its task ran: Swarm's update went past it, and completes while the node is still ready.
    engine.nodeStates.c = {state: 'ready', runs: false};
    let polls = 0;
    engine.onPoll = () => {
      polls += 1;
      if (polls === 2) engine.updateState = 'completed';
      if (polls === 6) engine.nodeStates.c = {state: 'down', runs: false};
    };
    const run = collaborators(engine);
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, run);
    expect(polls).toBeGreaterThanOrEqual(6);
    expect(outputs.hosts.map(host => [host.host, host.status])).toEqual([
      ['host-a', 'deployed'],
      ['host-b', 'deployed'],
      ['host-c', 'not-started'],
    ]);
    expect(run.lines).toContain('warning: host-c: the node is down; it runs no task of v3 until it is back, when Swarm starts one there.');
    // Nothing waits for the node: the update is not started again.
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(1);
  });

  it('reads the service again and resends an update Swarm found out of sequence', async () => {
    const engine = new FakeEngine();
    await deploySwarm(inputs, collaborators(engine));
    engine.outOfSequence = 1;
    engine.onPoll = () => {
      engine.updateState = 'completed';
    };
    const outputs = await deploySwarm({...inputs, image: '127.0.0.1:5000/app:v3'}, collaborators(engine));
    expect(outputs.version).toBe('v3');
    expect(engine.calls.filter(call => call === 'POST /services/svc/update')).toHaveLength(2);
  });
});
