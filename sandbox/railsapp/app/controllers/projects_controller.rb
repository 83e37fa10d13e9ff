# What a project holds changes with the release: ProjectFields is the part each release replaces.
class ProjectsController < ApplicationController
  include ProjectFields

  def create
    project = Project.create!(user: User.first_or_create!(name: "sandbox"), **project_attributes)
    render plain: "project id=#{project.id}", status: :created
  end

  def show
    render plain: describe(Project.find(params[:id]))
  end
end
