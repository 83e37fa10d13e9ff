# Release 3's migration fails, so deploying it must stop at `bin/rails db:migrate` with nothing switched.
class FailOnPurpose < ActiveRecord::Migration[6.1]
  def up
    raise "release 3's migration fails on purpose"
  end
end
