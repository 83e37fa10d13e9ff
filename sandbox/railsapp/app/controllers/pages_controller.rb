class PagesController < ApplicationController
  def index
    render plain: "railsapp #{AppVersion::NAME}"
  end

  # GET /hold?seconds=N: an in-flight request for drain tests.
  def hold
    sleep Float(params.fetch(:seconds, 5))
    render plain: "held #{AppVersion::NAME}"
  end
end
