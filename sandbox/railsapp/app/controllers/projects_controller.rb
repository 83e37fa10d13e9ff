# Release 1: projects have a name only (releases/2 adds a description).
class ProjectsController < ApplicationController
  def create
    project = Project.create!(user: User.first_or_create!(name: "sandbox"), name: params.require(:name))
    render plain: "project id=#{project.id}", status: :created
  end

  def show
    project = Project.find(params[:id])
    render plain: "project id=#{project.id} name=#{project.name}"
  end
end
