class AddDescriptionToProjects < ActiveRecord::Migration[6.1]
  def change
    # A default, so release 1's code (which does not set it) keeps working after this runs: rollbacks need that.
    add_column :projects, :description, :string, null: false, default: ""
  end
end
