# ActionController::API: no cookies, sessions or CSRF tokens, so tests can POST with curl.
class ApplicationController < ActionController::API
end
