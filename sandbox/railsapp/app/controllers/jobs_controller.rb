class JobsController < ApplicationController
  # POST /jobs?token=T&seconds=N
  def create
    jid = SlowJob.perform_async(params.require(:token), Float(params.fetch(:seconds, 1)))
    render json: {jid: jid}, status: :accepted
  end

  # GET /jobs/T: every run of that token, so a test sees whether it completed exactly once, and on which release.
  def show
    runs = JobRun.where(token: params[:token]).order(:id)
    render json: runs.map { |r| r.slice(:token, :release, :hostname, :pid, :started_at, :finished_at) }
  end
end
