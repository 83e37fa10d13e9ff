import {labels} from '../release.js';

/** The parts of the Engine API's task, node and service objects the driver reads. */
export interface SwarmTask {
  ID: string;
  NodeID?: string;
  DesiredState: string;
  Spec: {ContainerSpec?: {Labels?: Record<string, string>}};
  Status: {State: string; Err?: string; Message?: string};
}

export interface SwarmNode {
  ID: string;
  Description: {Hostname: string};
  Status: {State: string; Message?: string};
}

export interface SwarmService {
  ID: string;
  Version: {Index: number};
  Spec: {Labels?: Record<string, string>; EndpointSpec?: {Ports?: Array<{PublishedPort?: number}>}};
  PreviousSpec?: {Labels?: Record<string, string>};
  UpdateStatus?: {State: string; StartedAt?: string; Message?: string};
}

export function taskVersion(task: SwarmTask): string | undefined {
  return task.Spec.ContainerSpec?.Labels?.[labels.version];
}

/** One line per task: node, version, state (starting is Swarm waiting for the health check), desired state, error. */
export function describeTask(task: SwarmTask, nodeNames: ReadonlyMap<string, string>): string {
  const node = nodeNames.get(task.NodeID ?? '') ?? 'unassigned';
  const health = task.Status.State === 'starting' ? ' (health check pending)' : '';
  const error = task.Status.Err ? `: ${task.Status.Err}` : '';
  return `${node}: ${taskVersion(task) ?? '?'} task ${task.ID.slice(0, 12)} ${task.Status.State}${health}, desired ${task.DesiredState}${error}`;
}

/** What one task went through, as the polls saw it. */
export interface TaskHistory {
  node: string;
  version: string | undefined;
  states: string[];
  error: string | undefined;
}

/** Adds a poll's tasks to the histories: each state once, in the order seen, and the last error. */
export function recordTasks(histories: Map<string, TaskHistory>, tasks: readonly SwarmTask[], nodeNames: ReadonlyMap<string, string>): void {
  for (const task of tasks) {
    const history = histories.get(task.ID) ?? {
      node: nodeNames.get(task.NodeID ?? '') ?? 'unassigned',
      version: taskVersion(task),
      states: [],
      error: undefined,
    };
    if (history.states.at(-1) !== task.Status.State) history.states.push(task.Status.State);
    history.error = task.Status.Err || history.error;
    histories.set(task.ID, history);
  }
}

/**
 * The tasks of `version` that failed, for the error: those that ended or were stopped before they ran (a task
 * stuck in starting failed its health check), each with the states it went through and its error; tasks on the
 * `except` nodes left out.
 */
export function failedTasks(histories: ReadonlyMap<string, TaskHistory>, version: string, except: readonly string[] = []): string[] {
  return [...histories]
    .filter(
      ([, history]) =>
        history.version === version &&
        !except.includes(history.node) &&
        history.states.at(-1) !== 'running' &&
        (history.error || history.states.includes('starting') || history.states.includes('failed')),
    )
    .map(([id, history]) => `${history.node} task ${id.slice(0, 12)} ${history.states.join(' → ')}${history.error ? ` (${history.error})` : ''}`);
}

/** Per ready node, whether a task of `version` runs there; down nodes apart: they are the lost ones. */
export function convergence(tasks: readonly SwarmTask[], nodes: readonly SwarmNode[], version: string) {
  const ready = nodes.filter(node => node.Status.State === 'ready');
  const running = new Set(
    tasks.filter(task => taskVersion(task) === version && task.Status.State === 'running' && task.DesiredState === 'running').map(task => task.NodeID),
  );
  return {
    converged: ready.length > 0 && ready.every(node => running.has(node.ID)),
    runningOn: ready.filter(node => running.has(node.ID)).map(node => node.Description.Hostname),
    lost: nodes.filter(node => node.Status.State !== 'ready').map(node => node.Description.Hostname),
  };
}

// Swarm's task states before a task runs, in order.
const beforeRunning = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);

/**
 * The histories of the tasks that have settled (failed, ended, or running), leaving out `leaveOut`: a task still on
 * its way to running, as the new one of a start-first swap, has not failed yet.
 */
export function settledTasks(histories: ReadonlyMap<string, TaskHistory>, leaveOut: ReadonlySet<string>): Map<string, TaskHistory> {
  return new Map([...histories].filter(([id, history]) => !leaveOut.has(id) && !beforeRunning.has(history.states.at(-1) ?? 'new')));
}

/** A task of the release on a node that is down, which has not run. */
export interface StalledTask {
  id: string;
  node: string;
}

/**
 * The tasks of `version` on down nodes that have not run yet. Swarm's update waits for such a task with no timeout
 * (swarmkit's updater: "Consider adding a timeout here"), one node at a time, so the nodes after it in its order
 * are never updated until the node is back.
 */
export function stalledOn(tasks: readonly SwarmTask[], nodes: readonly SwarmNode[], version: string): StalledTask[] {
  const down = new Map(nodes.filter(node => node.Status.State === 'down').map(node => [node.ID, node.Description.Hostname]));
  return tasks.flatMap(task => {
    const node = down.get(task.NodeID ?? '');
    return node !== undefined && taskVersion(task) === version && beforeRunning.has(task.Status.State) ? [{id: task.ID, node}] : [];
  });
}

/** What the service's update status says: still going, done, or rolled back (or paused) by Swarm. */
export function updateOutcome(service: SwarmService, startedBefore: string | undefined): 'running' | 'completed' | 'rolled-back' | 'paused' {
  const status = service.UpdateStatus;
  // The status of the update before this one, until Swarm starts this one.
  if (!status || status.StartedAt === startedBefore) return 'running';
  if (status.State === 'completed') return 'completed';
  if (status.State === 'rollback_completed') return 'rolled-back';
  if (status.State === 'paused' || status.State === 'rollback_paused') return 'paused';
  return 'running';
}
