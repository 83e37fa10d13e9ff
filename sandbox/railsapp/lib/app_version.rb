# The release baked into the image at build time (Dockerfile: ARG RELEASE).
module AppVersion
  RELEASE = File.read(File.expand_path("../RELEASE", __dir__)).strip
  NAME = "v#{RELEASE}".freeze

  # The container's hostname (its ID's start), as the testapp says it: the load client tells containers apart by it.
  HOST = Socket.gethostname.freeze

  class Header
    def initialize(app)
      @app = app
    end

    def call(env)
      status, headers, body = @app.call(env)
      headers["X-App-Version"] = NAME
      headers["X-App-Host"] = HOST
      [status, headers, body]
    end
  end
end
