class Project < ApplicationRecord
  belongs_to :user
  has_one_attached :circuit_preview
  has_one_attached :image_preview
end
