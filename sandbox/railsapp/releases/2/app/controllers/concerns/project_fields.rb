# Release 2: reads projects.description, which release 2's migration adds.
module ProjectFields
  def project_attributes = {name: params.require(:name), description: params.fetch(:description, "none")}
  def describe(project) = "project id=#{project.id} name=#{project.name} description=#{project.description}"
end
