class User < ApplicationRecord
  has_many :projects, dependent: :destroy
  has_one_attached :profile_picture
end
