# Single mode (no cluster workers), as one container is one process.
threads_count = Integer(ENV.fetch("RAILS_MAX_THREADS", 5))
threads threads_count, threads_count
bind "tcp://0.0.0.0:#{ENV.fetch("PORT", 3000)}"
environment ENV.fetch("RAILS_ENV", "production")
# On SIGTERM Puma stops accepting, lets in-flight requests finish and exits;
# without this it then raises SignalException and exits 1 after a clean stop.
raise_exception_on_sigterm false
# How long in-flight requests get on SIGTERM before Puma gives up on them.
force_shutdown_after Integer(ENV.fetch("PUMA_DRAIN_SECONDS", 30))
