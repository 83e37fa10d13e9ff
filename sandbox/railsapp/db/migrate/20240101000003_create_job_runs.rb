class CreateJobRuns < ActiveRecord::Migration[6.1]
  def change
    create_table :job_runs do |t|
      t.string :token, null: false, index: true
      t.string :release, null: false
      t.string :hostname, null: false
      t.integer :pid, null: false
      t.datetime :started_at, null: false
      t.datetime :finished_at
    end
  end
end
