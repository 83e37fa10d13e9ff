import {describe, expect, it} from 'vitest';
import {
  convergence,
  describeTask,
  failedTasks,
  recordTasks,
  type SwarmNode,
  type SwarmTask,
  settledTasks,
  stalledOn,
  type TaskHistory,
  updateOutcome,
} from '../src/swarm/tasks.js';

const node = (id: string, state = 'ready'): SwarmNode => ({ID: id, Description: {Hostname: `host-${id}`}, Status: {State: state}});
const task = (id: string, nodeId: string, version: string, state: string, desired = 'running', err?: string): SwarmTask => ({
  ID: `${id}xxxxxxxxxxxxxxxx`,
  NodeID: nodeId,
  DesiredState: desired,
  Spec: {ContainerSpec: {Labels: {'circuitverse.deploy.version': version}}},
  Status: {State: state, ...(err ? {Err: err} : {})},
});
const names = new Map([
  ['a', 'host-a'],
  ['b', 'host-b'],
  ['c', 'host-c'],
]);

describe('describeTask', () => {
  it.each([
    {task: task('t1', 'a', 'v2', 'running'), line: 'host-a: v2 task t1xxxxxxxxxx running, desired running'},
    {task: task('t2', 'b', 'v2', 'starting'), line: 'host-b: v2 task t2xxxxxxxxxx starting (health check pending), desired running'},
    {
      task: task('t3', 'c', 'v2', 'failed', 'shutdown', 'task: non-zero exit (1)'),
      line: 'host-c: v2 task t3xxxxxxxxxx failed, desired shutdown: task: non-zero exit (1)',
    },
    {task: {...task('t4', 'z', 'v2', 'pending'), NodeID: undefined}, line: 'unassigned: v2 task t4xxxxxxxxxx pending, desired running'},
  ])('$line', ({task: input, line}) => {
    expect(describeTask(input, names)).toBe(line);
  });
});

describe('convergence', () => {
  it.each([
    {
      why: 'every ready node runs the version',
      tasks: [task('1', 'a', 'v2', 'running'), task('2', 'b', 'v2', 'running'), task('3', 'c', 'v2', 'running')],
      nodes: [node('a'), node('b'), node('c')],
      expected: {converged: true, runningOn: ['host-a', 'host-b', 'host-c'], lost: []},
    },
    {
      why: 'one node still on the old version',
      tasks: [task('1', 'a', 'v2', 'running'), task('2', 'b', 'v2', 'running'), task('3', 'c', 'v1', 'running')],
      nodes: [node('a'), node('b'), node('c')],
      expected: {converged: false, runningOn: ['host-a', 'host-b'], lost: []},
    },
    {
      why: 'a down node is lost, not waited for',
      tasks: [task('1', 'a', 'v2', 'running'), task('2', 'b', 'v2', 'running'), task('3', 'c', 'v1', 'running')],
      nodes: [node('a'), node('b'), node('c', 'down')],
      expected: {converged: true, runningOn: ['host-a', 'host-b'], lost: ['host-c']},
    },
    {
      why: 'a task being shut down does not count',
      tasks: [task('1', 'a', 'v2', 'running', 'shutdown')],
      nodes: [node('a')],
      expected: {converged: false, runningOn: [], lost: []},
    },
  ])('$why', ({tasks, nodes, expected}) => {
    expect(convergence(tasks, nodes, 'v2')).toEqual(expected);
  });
});

describe('stalledOn', () => {
  it.each([
    {
      why: 'a down node whose task of the version Swarm made never ran: the update waits there',
      tasks: [task('1', 'a', 'v1', 'running'), task('2', 'c', 'v2', 'assigned', 'shutdown'), task('3', 'c', 'v1', 'running', 'shutdown')],
      nodes: [node('a'), node('b'), node('c', 'down')],
      expected: ['host-c'],
    },
    {
      why: 'a task that was starting when its node went down',
      tasks: [task('1', 'b', 'v2', 'starting')],
      nodes: [node('a'), node('b', 'down')],
      expected: ['host-b'],
    },
    {
      why: 'a node not yet marked down: Swarm would take it into a new update again',
      tasks: [task('1', 'c', 'v2', 'assigned')],
      nodes: [node('a'), node('c', 'disconnected')],
      expected: [],
    },
    {
      why: 'a down node whose task of the version ran: the update went past it',
      tasks: [task('1', 'c', 'v2', 'running', 'shutdown')],
      nodes: [node('a'), node('c', 'down')],
      expected: [],
    },
    {
      why: 'a down node that Swarm has not reached yet: no task of the version there',
      tasks: [task('1', 'c', 'v1', 'running')],
      nodes: [node('a'), node('c', 'down')],
      expected: [],
    },
    {
      why: 'a task pending on a ready node: the update is at work there',
      tasks: [task('1', 'a', 'v2', 'pending')],
      nodes: [node('a'), node('c', 'down')],
      expected: [],
    },
  ])('$why', ({tasks, nodes, expected}) => {
    expect(stalledOn(tasks, nodes, 'v2').map(stalled => stalled.node)).toEqual(expected);
  });

  it('names each stalled task, so that a node down again with a new task is seen again', () => {
    const tasks = [task('1', 'c', 'v2', 'assigned', 'shutdown'), task('2', 'c', 'v2', 'pending')];
    expect(stalledOn(tasks, [node('c', 'down')], 'v2')).toEqual([
      {id: '1xxxxxxxxxxxxxxxx', node: 'host-c'},
      {id: '2xxxxxxxxxxxxxxxx', node: 'host-c'},
    ]);
  });
});

describe('updateOutcome', () => {
  const service = (state: string | undefined, startedAt = 'new') => ({
    ID: 's',
    Version: {Index: 1},
    Spec: {},
    ...(state ? {UpdateStatus: {State: state, StartedAt: startedAt}} : {}),
  });
  it.each([
    {state: undefined, startedAt: 'new', expected: 'running'},
    {state: 'completed', startedAt: 'old', expected: 'running'},
    {state: 'updating', startedAt: 'new', expected: 'running'},
    {state: 'rollback_started', startedAt: 'new', expected: 'running'},
    {state: 'completed', startedAt: 'new', expected: 'completed'},
    {state: 'rollback_completed', startedAt: 'new', expected: 'rolled-back'},
    {state: 'paused', startedAt: 'new', expected: 'paused'},
    {state: 'rollback_paused', startedAt: 'new', expected: 'paused'},
  ])('$state (started $startedAt) → $expected', ({state, startedAt, expected}) => {
    expect(updateOutcome(service(state, startedAt), 'old')).toBe(expected);
  });
});

describe('failedTasks', () => {
  it('names the tasks of the version that never ran or failed, with the states the polls saw, across polls', () => {
    const histories = new Map<string, TaskHistory>();
    recordTasks(histories, [task('t1', 'a', 'v3', 'starting'), task('t2', 'b', 'v1', 'running')], names);
    recordTasks(histories, [task('t1', 'a', 'v3', 'complete', 'shutdown'), task('t2', 'b', 'v1', 'running')], names);
    recordTasks(histories, [task('t5', 'c', 'v3', 'failed', 'shutdown', 'task: non-zero exit (1)')], names);
    recordTasks(histories, [task('t6', 'c', 'v3', 'running')], names);
    expect(failedTasks(histories, 'v3')).toEqual(['host-a task t1xxxxxxxxxx starting → complete', 'host-c task t5xxxxxxxxxx failed (task: non-zero exit (1))']);
  });

  it('of the settled tasks only, leaves out one still starting and the ones it is told to', () => {
    const histories = new Map<string, TaskHistory>();
    recordTasks(histories, [task('t1', 'a', 'v3', 'starting'), task('t2', 'b', 'v3', 'starting'), task('t3', 'c', 'v3', 'starting')], names);
    recordTasks(histories, [task('t2', 'b', 'v3', 'failed', 'shutdown'), task('t3', 'c', 'v3', 'failed', 'shutdown')], names);
    expect(failedTasks(settledTasks(histories, new Set(['t3xxxxxxxxxxxxxxxx'])), 'v3')).toEqual(['host-b task t2xxxxxxxxxx starting → failed']);
  });

  it('leaves out the tasks on the nodes it is told to, as a task on a lost node did not fail on its own', () => {
    const histories = new Map<string, TaskHistory>();
    recordTasks(histories, [task('t1', 'a', 'v3', 'starting'), task('t2', 'c', 'v3', 'starting')], names);
    expect(failedTasks(histories, 'v3', ['host-c'])).toEqual(['host-a task t1xxxxxxxxxx starting']);
  });
});
