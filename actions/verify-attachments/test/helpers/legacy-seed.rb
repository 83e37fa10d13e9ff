# Seeds the sandbox's Rails app (bin/rails runner through helpers/rails-runner.ts) the way the first users' migration
# left their data: legacy Paperclip and CarrierWave columns next to ActiveStorage attachments made by ActiveStorage's
# own API, uploaded to S3 by its S3 service. The plan comes from the test as JSON in SEED_PLAN, so the ground truth is
# the test's, not this script's; what was made is printed as one JSON line.
#
# Legacy side, as the gems wrote it (neither gem is in the image: the layout is theirs, written here by hand):
# - User: Paperclip `profile_picture` (profile_picture_file_name, _file_size, _content_type, _updated_at), files in the legacy bucket at
#   Paperclip's default path, system/users/profile_pictures/:id_partition/original/:filename.
# - Project: CarrierWave `mount_uploader :image_preview` (one column with the filename), files on a host's disk under
#   CarrierWave's default store_dir, uploads/project/image_preview/:id/, below LEGACY_ROOT.
require "json"
require "fileutils"
require "aws-sdk-s3"

plan = JSON.parse(ENV.fetch("SEED_PLAN"))
legacy_root = ENV.fetch("LEGACY_ROOT")
# Analysis runs in this process, as a worker would run it after the upload, so the blobs' metadata is what
# production's is; no Redis or Sidekiq is involved.
ActiveJob::Base.queue_adapter = :inline

connection = ActiveRecord::Base.connection
# The app's migrations, here rather than in a `bin/rails db:migrate` first: one boot of Rails instead of two.
connection.migration_context.migrate
connection.add_column :users, :profile_picture_file_name, :string
connection.add_column :users, :profile_picture_file_size, :bigint
connection.add_column :users, :profile_picture_content_type, :string
connection.add_column :users, :profile_picture_updated_at, :datetime
connection.add_column :projects, :image_preview, :string
User.reset_column_information
Project.reset_column_information

legacy_s3 = Aws::S3::Client.new(
  access_key_id: ENV.fetch("AWS_S3_ACCESS_KEY_ID"), secret_access_key: ENV.fetch("AWS_S3_SECRET_ACCESS_KEY"),
  region: ENV.fetch("AWS_S3_REGION"), endpoint: ENV.fetch("AWS_S3_ENDPOINT"), force_path_style: true
)

def id_partition(id)
  format("%09d", id).scan(/\d{3}/).join("/")
end

def content_for(label)
  # A PNG signature first, so Marcel identifies an image, then bytes unique to the label.
  "\x89PNG\r\n\x1a\n".b + Digest::SHA256.digest(label) * 40
end

made = {users: [], projects: []}

plan.fetch("users").each_with_index do |entry, index|
  user = User.create!(name: "user #{index + 1}")
  filename = entry.fetch("filename")
  body = content_for("profile picture #{user.id}")
  case entry.fetch("legacy")
  when "same", "twice"
    user.profile_picture.attach(io: StringIO.new(body), filename: filename, content_type: "image/png")
    if entry["legacy"] == "twice"
      # has_one_attached replaces its attachment on attach; a backfill that created attachments directly, as
      # CircuitVerse's did, can leave a second row for the same record and name.
      twin = ActiveStorage::Blob.create_and_upload!(io: StringIO.new(body), filename: filename, content_type: "image/png")
      ActiveStorage::Attachment.create!(record: user, name: "profile_picture", blob: twin)
    end
  when "differs"
    user.profile_picture.attach(io: StringIO.new(body + "re-encoded".b), filename: filename, content_type: "image/png")
  when "unattached"
    nil
  else
    raise "unknown legacy kind #{entry["legacy"]}"
  end
  key = "system/users/profile_pictures/#{id_partition(user.id)}/original/#{filename}"
  legacy_s3.put_object(bucket: plan.fetch("legacyBucket"), key: key, body: body, content_type: "image/png")
  User.where(id: user.id).update_all(profile_picture_file_name: filename, profile_picture_file_size: body.bytesize,
    profile_picture_content_type: "image/png", profile_picture_updated_at: Time.utc(2022, 3, 1))
  made[:users] << {id: user.id, legacy: entry["legacy"]}
end

owner = User.first || User.create!(name: "owner")
plan.fetch("projects").each_with_index do |entry, index|
  project = Project.create!(user: owner, name: "project #{index + 1}")
  kind = entry.fetch("legacy")
  filename = entry["filename"]
  body = content_for("preview #{project.id}")
  path = File.join(legacy_root, "uploads/project/image_preview", project.id.to_s, filename.to_s)
  if filename
    FileUtils.mkdir_p(File.dirname(path))
    File.binwrite(path, body)
    Project.where(id: project.id).update_all(image_preview: filename)
  end
  case kind
  when "same", "none", "gone", "differs"
    project.circuit_preview.attach(io: StringIO.new(body), filename: filename || "preview.png", content_type: "image/png")
  when "renamed"
    # CircuitVerse's rename migration set name = 'circuit_preview ', with the trailing space.
    blob = ActiveStorage::Blob.create_and_upload!(io: StringIO.new(body), filename: filename, content_type: "image/png")
    ActiveStorage::Attachment.create!(record: project, name: "circuit_preview ", blob: blob)
  when "unattached"
    nil
  else
    raise "unknown legacy kind #{kind}"
  end
  # Changed on disk after the backfill copied it (one byte, so only the checksum tells); or deleted since.
  File.binwrite(path, body.dup.tap { |edited| edited.setbyte(-1, edited.getbyte(-1) ^ 0xff) }) if kind == "differs"
  File.delete(path) if kind == "gone"
  made[:projects] << {id: project.id, legacy: kind}
end

puts JSON.generate(made)
