# Sidekiq 6.4 calls redis-rb 4.8 in ways 4.8 deprecates, once per fetch: a warning every two seconds per thread
# would bury the log.
Redis.silence_deprecations = true
