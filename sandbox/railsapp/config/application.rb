require_relative "boot"

require "rails"
require "active_model/railtie"
require "active_job/railtie"
require "active_record/railtie"
require "active_storage/engine"
require "action_controller/railtie"

Bundler.require(*Rails.groups)

require_relative "../lib/app_version"

module Railsapp
  class Application < Rails::Application
    config.load_defaults 6.1
    # JSON and text only: no views, no asset pipeline, no node.
    config.api_only = true
    # First, so that every answer, errors and 404s included, says which release gave it.
    config.middleware.insert_before 0, AppVersion::Header
    config.active_job.queue_adapter = :sidekiq
    config.active_storage.service = ENV.fetch("ACTIVE_STORAGE_SERVICE", "local").to_sym
  end
end
