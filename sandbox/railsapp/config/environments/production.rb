Rails.application.configure do
  config.cache_classes = true
  config.eager_load = true
  config.consider_all_requests_local = false
  config.log_level = ENV.fetch("RAILS_LOG_LEVEL", "info").to_sym
  config.log_tags = [:request_id]
  # Containers log to stdout; docker keeps it.
  config.logger = ActiveSupport::TaggedLogging.new(ActiveSupport::Logger.new($stdout))
  config.active_support.report_deprecations = false if config.active_support.respond_to?(:report_deprecations=)
  config.active_support.deprecation = :silence
  config.i18n.fallbacks = true
  # The image's source tree is not the place to write db/schema.rb.
  config.active_record.dump_schema_after_migration = false
end
