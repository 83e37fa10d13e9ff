import {errorMessage, type Logger, RemoteError} from '@circuitverse/shared';
import type {HostDeployment} from './host-deployment.js';
import type {Role} from './roles.js';

export type MaintenanceMode = 'on' | 'off';

/** What a host answers with in maintenance: the page, and the health path that still reaches the app. */
export interface MaintenanceSettings {
  healthPath: string;
  /** The maintenance-page input; `undefined` for the plain default. */
  page: string | undefined;
}

const defaultPage = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Down for maintenance</title>
<h1>Down for maintenance</h1>
<p>We will be back in a few minutes.</p>
</html>
`;

/** The hosts where maintenance mode means something: those running the role that takes the traffic. */
export function trafficHosts(hosts: HostDeployment[], roles: Role[]): HostDeployment[] {
  const traffic = roles.find(role => role.traffic);
  return traffic ? hosts.filter(host => host.runs(traffic)) : [];
}

/** Switches maintenance on or off on every host; each host is taken to the end, then the first failure is thrown. */
export async function switchMaintenance(hosts: HostDeployment[], mode: MaintenanceMode, settings: MaintenanceSettings, logger: Logger): Promise<void> {
  const results = await Promise.allSettled(
    hosts.map(async host => {
      const was = await host.timed('maintenance', () => host.host.maintenance(mode, settings.healthPath, settings.page ?? defaultPage));
      logger.info(`${host.label}: maintenance ${mode}${was === (mode === 'on') ? ' (it already was)' : ''}`);
    }),
  );
  const failure = results.find(result => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/** The job summary of a run that only switched maintenance. */
export function renderMaintenanceSummary(service: string, mode: MaintenanceMode, hosts: HostDeployment[]): string {
  const what =
    mode === 'on' ? `answer 503 with the maintenance page, but for the health path` : 'serve the app again, which served throughout for the health path';
  return [`### Maintenance ${service}`, '', `Maintenance **${mode}**: ${hosts.map(host => host.label).join(', ')} ${what}.`, ''].join('\n');
}

/**
 * A deploy's maintenance, read on every host that takes traffic once the lock is held. `begin` turns it on for the
 * pre-deploy; each host's switch ends it there, since HAProxy's server then names the new container; `end` makes
 * sure it is off everywhere once every host has switched, and `restore` puts every host back as it was after a
 * failure, so a failed deploy never leaves on what it turned on, nor ends what a run with maintenance: on started.
 */
export class MaintenanceWindow {
  private began = false;

  private constructor(
    private readonly before: ReadonlyMap<HostDeployment, boolean>,
    private readonly settings: MaintenanceSettings,
    private readonly logger: Logger,
  ) {}

  /**
   * Refuses a deploy that would end the maintenance a run with maintenance: on started, before anything changed,
   * unless the deploy runs its pre-deploy in maintenance (`during`) and so ends it after its switch.
   */
  static async open(hosts: HostDeployment[], during: boolean, settings: MaintenanceSettings, logger: Logger): Promise<MaintenanceWindow> {
    const states = await Promise.all(hosts.map(async host => [host, await host.host.maintenance('status', settings.healthPath, '')] as const));
    const inMaintenance = states.filter(([, on]) => on).map(([host]) => host.label);
    if (inMaintenance.length && !during) {
      throw new RemoteError(inMaintenance.join(', '), 'in maintenance mode: the switch to the new release would end it', {
        next: 'Nothing was changed. Turn it off first (maintenance: off), or deploy with maintenance-during-pre-deploy: true, which ends it after the switch.',
      });
    }
    return new MaintenanceWindow(new Map(states), settings, logger);
  }

  /** Whether this deploy turned maintenance on and has not ended it: a failure must put it back. */
  get active(): boolean {
    return this.began;
  }

  async begin(): Promise<void> {
    this.began = true;
    await switchMaintenance([...this.before.keys()], 'on', this.settings, this.logger);
  }

  async end(): Promise<void> {
    if (!this.began) return;
    await switchMaintenance([...this.before.keys()], 'off', this.settings, this.logger);
    this.began = false;
  }

  /** After a failure: every host back to the mode it had before the deploy; a host that will not go is warned about. */
  async restore(): Promise<void> {
    await Promise.all(
      [...this.before].map(async ([host, wasOn]) => {
        const mode = wasOn ? 'on' : 'off';
        try {
          await switchMaintenance([host], mode, this.settings, this.logger);
        } catch (error) {
          this.logger.warning(
            `${host.label}: could not switch maintenance back ${mode} (${errorMessage(error)}); run the deploy with maintenance: ${mode} to do it.`,
          );
        }
      }),
    );
    this.began = false;
  }
}
