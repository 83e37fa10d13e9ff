# Records each run so tests can tell a job that ran once from one that was cut
# off and run again (two rows, one without finished_at).
class SlowJob
  include Sidekiq::Worker

  def perform(token, seconds)
    run = JobRun.create!(token: token, release: AppVersion::NAME, hostname: Socket.gethostname,
                         pid: Process.pid, started_at: Time.current)
    sleep seconds
    run.update!(finished_at: Time.current)
  end
end
