# Release 1: projects have a name only (releases/2 replaces this file).
module ProjectFields
  def project_attributes = {name: params.require(:name)}
  def describe(project) = "project id=#{project.id} name=#{project.name}"
end
