Rails.application.routes.draw do
  get "/up", to: "health#up"
  get "/", to: "pages#index"
  get "/hold", to: "pages#hold"
  resources :projects, only: %i[create show]
  post "/jobs", to: "jobs#create"
  get "/jobs/:token", to: "jobs#show"
end
