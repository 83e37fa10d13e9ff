# Release 2: reads projects.description, which release 2's migration adds.
class ProjectsController < ApplicationController
  def create
    project = Project.create!(user: User.first_or_create!(name: "sandbox"), name: params.require(:name),
                              description: params.fetch(:description, "none"))
    render plain: "project id=#{project.id}", status: :created
  end

  def show
    project = Project.find(params[:id])
    render plain: "project id=#{project.id} name=#{project.name} description=#{project.description}"
  end
end
