class HealthController < ApplicationController
  # 200 only when the database answers: a release that cannot reach it must not take traffic.
  def up
    ActiveRecord::Base.connection.select_value("SELECT 1")
    render plain: "ok"
  rescue StandardError => e
    Rails.logger.warn("up: #{e.class}: #{e.message}")
    render plain: "database unavailable", status: :service_unavailable
  end
end
